# The admin area: form versions (upload, lint, publish), municipalities' parameter values and
# the explain view.

## Access and navigation

admin-forms-link = Formulare und Versionen
admin-forbidden-title = Kein Zugriff auf die Formularverwaltung
admin-forbidden-text = Formulare und ihre Versionen verwalten die Administration einer Gemeinde und die Verbundadministration. Ihr Zugang gehört nicht dazu. Wenn Sie diese Rechte brauchen, wenden Sie sich an Ihre Administration.
admin-back-to-inbox = Zurück zum Posteingang

## The list of forms and versions

forms-title = Formulare und Versionen
forms-intro-federation = Alle Formulare des Verbunds mit ihren Versionen, die neueste zuerst, und welche Gemeinde welche Version anbietet.
forms-intro-tenant = Die Formulare, die { $municipalities } anbietet oder selbst veröffentlicht hat, und die Formulare des Verbunds, mit ihren Versionen, die neueste zuerst, und welche Gemeinde welche Version anbietet.
forms-new-version = Neue Formularversion prüfen und veröffentlichen
forms-empty = Es gibt noch keine Formulare.
forms-versions-of = Versionen von „{ $title }“ ({ $key })
forms-key = Schlüssel
forms-version = Version
forms-published-on = Veröffentlicht am
forms-published-by = Veröffentlicht von
forms-offered-by = Angeboten von
forms-offered-nowhere = noch von keiner Gemeinde
forms-federation = Verbund
forms-published-moved = Version { $version } von „{ $title }“ ist veröffentlicht. { $moved ->
    [one] Eine Leistung verwendet
   *[other] { $moved } Leistungen verwenden
} sie ab jetzt für neue Anträge.
forms-published-nowhere = Version { $version } von „{ $title }“ ist gespeichert. Noch bietet keine Gemeinde sie an: Neue Anträge verwenden sie erst, wenn eine Leistung sie anbietet.
forms-published-kept = Begonnene Anträge und eingegangene Vorgänge behalten die Version, mit der sie begonnen wurden.

## Checking and publishing a definition

upload-title = Formularversion prüfen und veröffentlichen
upload-back = Zurück zu den Formularen
upload-intro = Fügen Sie die Definition eines Formulars ein und lassen Sie sie prüfen. Ist sie in Ordnung, sehen Sie eine Zusammenfassung und können die Version veröffentlichen.
upload-definition = Formulardefinition
upload-definition-hint = JSON oder YAML, wie in der Dokumentation zum Formularformat beschrieben. Beginnt der Text mit einer geschweiften Klammer, wird er als JSON gelesen, sonst als YAML.
upload-municipality = Für welche Gemeinde?
upload-check = Prüfen
upload-missing = Fügen Sie eine Formulardefinition ein.
upload-problems = { $count ->
    [one] Die Definition hat ein Problem.
   *[other] Die Definition hat { $count } Probleme.
}
upload-problem-whole = ganze Definition
upload-choose-municipality = Wählen Sie eine Gemeinde aus, die Sie verwalten.
upload-not-newer = Version { $version } ist nicht neuer als die gespeicherte Version { $latest } dieses Formulars. Eine veröffentlichte Version bleibt, wie sie ist: Setzen Sie „version“ in der Definition auf { $next } oder höher.
upload-shared = Dieses Formular bietet auch eine andere Gemeinde an, oder eine andere Gemeinde hat es veröffentlicht. Gemeinsam genutzte Formulare veröffentlicht die Verbundadministration.
upload-version-too-large = Die Versionsnummer ist zu groß.
upload-clean-title = Die Definition ist in Ordnung
upload-summary-title = Titel
upload-summary-key = Schlüssel
upload-summary-version = Version
upload-summary-steps = Schritte
upload-summary-fields = Felder
upload-steps-caption = Schritte und ihre Felder
upload-step = Schritt
upload-step-fields = Felder
upload-effect-federation = Beim Veröffentlichen wechseln alle Leistungen, die eine ältere Version dieses Formulars anbieten, auf diese Version, in jeder Gemeinde des Verbunds. Ein neues Formular bietet noch keine Gemeinde an.
upload-effect-tenant = Beim Veröffentlichen wechseln die Leistungen von { $municipality }, die eine ältere Version dieses Formulars anbieten, auf diese Version. Ein neues Formular bietet noch keine Gemeinde an.
upload-effect-kept = Eine veröffentlichte Version lässt sich nicht mehr ändern. Begonnene Anträge und eingegangene Vorgänge behalten ihre Version.
upload-publish = Veröffentlichen

## The explain view of a case

explain-link = Bedingungen und berechnete Werte ansehen
explain-title = Bedingungen und berechnete Werte
explain-intro = Jede Bedingung, jede Regel und jeder berechnete Wert der Formularversion { $version }, ausgewertet mit den Antworten dieses Vorgangs.
explain-params = Gemeindeparameter: die Werte, die die Gemeinde jetzt festgelegt hat, sonst die Standardwerte der Formularversion. Die gespeicherten Beträge des Vorgangs wurden beim Absenden berechnet.
explain-back = Zurück zum Vorgang
explain-none = Diese Formularversion enthält keine Bedingungen, keine Regeln und keine berechneten Werte.
explain-caption = Bedingungen und berechnete Werte zu { $reference }
explain-where = Stelle
explain-what = Bedeutung
explain-expression = Ausdruck
explain-value = Ergebnis
explain-true = wahr
explain-false = falsch
explain-error = Fehler:
explain-step-visible = Schritt „{ $label }“ wird gezeigt, wenn
explain-field-visible = Feld „{ $label }“ wird gezeigt, wenn
explain-field-required = Feld „{ $label }“ ist Pflicht, wenn
explain-field-value = Wert von „{ $label }“
explain-rule = Regel „{ $label }“ ist erfüllt, wenn

## A municipality's own values for a form's parameters

forms-parameters = Eigene Werte der Gemeinden für dieses Formular, zum Beispiel Steuersätze:
forms-parameters-link = Werte von { $municipality } für „{ $title }“ festlegen
params-title = Werte von { $municipality }: { $title }
params-intro = Mit diesen Werten rechnet das Formular ({ $version }) für Ihre Gemeinde, zum Beispiel die voraussichtliche Steuer. Sie gelten ab dem Speichern für alle neuen Berechnungen, auch in späteren Versionen des Formulars. Eingegangene Anträge behalten die Beträge, mit denen sie gestellt wurden.
params-empty-default = Lassen Sie ein Feld leer, gilt der Standardwert des Formulars.
params-default = Standardwert: { $value }.
params-save = Werte speichern
params-saved = Die Werte sind gespeichert. Neue Anträge verwenden sie ab sofort.
params-none = Dieses Formular hat keine Werte, die eine Gemeinde festlegen kann.

## Offering a form as a municipality's service

forms-offer = In einer Gemeinde anbieten
forms-offer-of = „{ $title }“ in einer Gemeinde anbieten
offer-title = „{ $title }“ anbieten
offer-title-plain = Formular anbieten
offer-intro = Die neueste Version dieses Formulars wird eine Leistung der gewählten Gemeinde. Bürgerinnen und Bürger finden sie danach in deren Leistungsliste. Spätere Versionen übernimmt die Leistung beim Veröffentlichen.
offer-nowhere = Jede Gemeinde, in der Sie dieses Formular anbieten dürfen, bietet es schon an.
offer-municipality = Gemeinde
offer-address = Adresse der Leistung
offer-address-hint = Kleinbuchstaben, Ziffern und Bindestriche, zum Beispiel hundesteuer: Die Leistung steht dann unter /gemeinde/services/hundesteuer.
offer-address-invalid = Die Adresse darf nur Kleinbuchstaben (ohne Umlaute), Ziffern und einzelne Bindestriche enthalten und muss 2 bis 40 Zeichen lang sein.
offer-address-taken = Diese Gemeinde verwendet die Adresse schon für eine andere Leistung. Wählen Sie eine andere.
offer-already = Diese Gemeinde bietet das Formular schon an.
offer-foreign = Dieses Formular hat eine andere Gemeinde als ihr eigenes veröffentlicht. Gemeinsam nutzen lässt es sich erst, wenn die Verbundadministration eine Version für alle veröffentlicht.
offer-button = Anbieten
offer-done = { $municipality } bietet „{ $title }“ jetzt an:

## The federation's municipalities

municipalities-link = Gemeinden
municipalities-title = Gemeinden
municipalities-intro-federation = Die Gemeinden des Verbunds. Legen Sie hier eine neue Gemeinde an oder ändern Sie die Angaben einer Gemeinde.
municipalities-intro-tenant = Die Gemeinden, die Sie verwalten. Ändern Sie hier ihren Namen und die Angaben, die jede ihrer Seiten zeigt.
municipalities-none = Es gibt noch keine Gemeinde.
municipalities-new = Neue Gemeinde anlegen
municipalities-new-intro = Adresse und Kürzel lassen sich später nicht ändern: Links und Vorgangsnummern enthalten sie. Die übrigen Angaben zeigt jede Seite der Gemeinde, wie es die BITV 2.0 verlangt.
municipalities-create = Gemeinde anlegen
municipalities-created = { $municipality } ist angelegt.
municipalities-next = Als Nächstes: Bieten Sie unter „Formulare und Versionen“ Leistungen an, und geben Sie Zugängen unter „Zugänge“ Rollen in der Gemeinde (neue Zugänge legt der Befehl „portal staff create“ an).
municipalities-caption = Gemeinden
municipalities-name = Name
municipalities-address = Adresse
municipalities-code = Kürzel
municipalities-services = Leistungen
municipalities-details = Angaben
municipalities-edit = Ändern
municipalities-edit-of = Angaben von { $municipality } ändern
municipalities-edit-title = Angaben von { $municipality }
municipalities-edit-intro = Adresse { $address } und Kürzel { $code } bleiben, wie sie sind.
municipalities-save = Angaben speichern
municipalities-saved = Die Angaben sind gespeichert. Die Seiten der Gemeinde zeigen sie ab sofort.
municipalities-back = Zurück zu den Gemeinden
municipality-form-title = Angaben der Gemeinde
municipality-name = Name
municipality-name-hint = So erscheint die Gemeinde im Portal, zum Beispiel „Stadt Werther“.
municipality-slug = Adresse im Portal
municipality-slug-hint = Kleinbuchstaben, Ziffern und Bindestriche, zum Beispiel heringen-helme: Die Leistungen stehen dann unter /heringen-helme/.
municipality-code = Kürzel für Vorgangsnummern
municipality-code-hint = 2 bis 5 Buchstaben, zum Beispiel WER: Vorgangsnummern lauten dann WER-2026-7K3QF2.
municipality-feedback_email = E-Mail-Adresse für Rückmeldungen zur Barrierefreiheit
municipality-feedback_email-hint = Jede Seite der Gemeinde nennt sie in der Erklärung zur Barrierefreiheit.
municipality-feedback_phone = Telefonnummer für Rückmeldungen zur Barrierefreiheit
municipality-feedback_phone-hint = So, wie man sie wählt, zum Beispiel 0361 5550-101.
municipality-town_hall_address = Anschrift der Verwaltung
municipality-town_hall_address-hint = Eine Zeile der Anschrift je Zeile.
municipality-imprint_url = Impressum
municipality-imprint_url-hint = Adresse der Seite, beginnend mit https://. Freiwillig.
municipality-privacy_url = Datenschutzerklärung
municipality-privacy_url-hint = Adresse der Seite, beginnend mit https://. Freiwillig.
municipality-accent_colour = Akzentfarbe
municipality-accent_colour-hint = Als #rrggbb, zum Beispiel #0b5c3a. Weiße Schrift darauf braucht einen Kontrast von mindestens 4,5 zu 1. Leer: das Blau des Portals.
municipality-accessibility_reviewed_on = Letzte Prüfung der Barrierefreiheit
municipality-accessibility_reviewed_on-hint = Datum, zum Beispiel 02.11.2026. Freiwillig.
municipality-slug-invalid = Die Adresse darf nur Kleinbuchstaben (ohne Umlaute), Ziffern und einzelne Bindestriche enthalten und muss 2 bis 40 Zeichen lang sein.
municipality-slug-reserved = Diese Adresse verwendet das Portal selbst. Wählen Sie eine andere.
municipality-slug-taken = Diese Adresse hat schon eine andere Gemeinde. Wählen Sie eine andere.
municipality-code-invalid = Das Kürzel besteht aus 2 bis 5 Buchstaben von A bis Z, ohne Umlaute und Ziffern.
municipality-code-taken = Dieses Kürzel hat schon eine andere Gemeinde. Wählen Sie ein anderes.
municipality-url-invalid = Geben Sie die Adresse einer Webseite ein, beginnend mit https://.
municipality-colour-invalid = Geben Sie die Farbe als # und sechs Hexadezimalziffern ein, zum Beispiel #0b5c3a.
municipality-colour-contrast = Weiße Schrift hat auf dieser Farbe nur einen Kontrast von { $ratio } zu 1. Nötig sind mindestens 4,5 zu 1: Wählen Sie eine dunklere Farbe.
