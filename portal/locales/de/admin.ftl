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
forms-intro-tenant = Die Formulare, die { $municipalities } anbietet oder selbst veröffentlicht hat, mit ihren Versionen, die neueste zuerst, und welche Gemeinde welche Version anbietet.
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
