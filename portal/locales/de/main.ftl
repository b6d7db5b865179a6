# Deutsche Texte des Portals. Jede Zeichenkette, die Bürgerinnen, Bürger oder Beschäftigte
# sehen, steht hier; die englische Fassung liegt in ../en/main.ftl mit denselben Schlüsseln.

site-name = Bürgerportal
skip-to-content = Zum Inhalt springen
footer-text = Ein Online-Dienst der beteiligten Gemeinden nach dem Onlinezugangsgesetz (OZG).
footer-nav-label = Informationen zum Portal
footer-accessibility = Erklärung zur Barrierefreiheit
footer-easy-read = Leichte Sprache
footer-contact = Kontakt
footer-imprint = Impressum
footer-privacy = Datenschutz
demo-label = Demo:
demo-banner = Dies ist eine Vorführung. Geben Sie keine echten persönlichen Daten ein; Anträge werden nicht bearbeitet.
back-to-start = Zur Startseite

home-title = Online-Dienste Ihrer Gemeinde
home-lead = Stellen Sie Anträge online, wann es Ihnen passt. Wählen Sie zuerst Ihre Gemeinde.
home-municipalities = Gemeinden
home-empty = Es sind noch keine Gemeinden eingerichtet.

tenant-services = Online-Dienste
tenant-no-services = Diese Gemeinde bietet noch keine Online-Dienste an.

service-requirements = Was Sie brauchen
service-fee = Kosten
service-login = Anmeldung
service-start = Antrag starten
fee-none = Für den Online-Antrag fallen keine Gebühren an.
fee-fixed = Die Gebühr beträgt { $amount }.
fee-per-unit = Die Gebühr beträgt { $amount } je { $unit }.
trust-none = Für diesen Antrag brauchen Sie kein Nutzerkonto.
trust-low = Für diesen Antrag melden Sie sich mit einem Nutzerkonto an (Vertrauensniveau niedrig).
trust-substantial = Für diesen Antrag melden Sie sich mit einem Nutzerkonto an (Vertrauensniveau substanziell, z. B. ELSTER-Zertifikat).
trust-high = Für diesen Antrag melden Sie sich mit dem Online-Ausweis an (Vertrauensniveau hoch).
trust-login-unavailable = Dieses Portal bietet die Anmeldung noch nicht an. Den Antrag können Sie deshalb hier noch nicht stellen; bitte wenden Sie sich an Ihre Gemeinde.

form-intro = Alle Felder sind Pflichtfelder, wenn sie nicht als optional gekennzeichnet sind.
form-submit = Antrag absenden
field-optional = (optional)
select-choose = Bitte auswählen

error-summary-title = Es gibt ein Problem
error-title-prefix = Fehler
error-prefix = Fehler:
error-required = Bitte füllen Sie „{ $label }“ aus.
error-required-choice = Wählen Sie bei „{ $label }“ eine Möglichkeit aus.
error-required-checkbox = Bitte bestätigen Sie: „{ $label }“
error-too-short = „{ $label }“ muss mindestens { $min } Zeichen lang sein.
error-too-long = „{ $label }“ darf höchstens { $max } Zeichen lang sein.
error-invalid-email = Geben Sie bei „{ $label }“ eine E-Mail-Adresse im richtigen Format ein, z. B. name@beispiel.de.
error-invalid-phone = Geben Sie bei „{ $label }“ eine Telefonnummer ein, z. B. 03631 123456.
error-invalid-date = Geben Sie bei „{ $label }“ ein gültiges Datum ein, z. B. 31.01.2026.
error-invalid-number = Geben Sie bei „{ $label }“ eine ganze Zahl ein.
error-too-small = „{ $label }“ muss mindestens { $min } sein.
error-too-large = „{ $label }“ darf höchstens { $max } sein.
error-invalid-postal-code = Geben Sie bei „{ $label }“ eine Postleitzahl mit 5 Ziffern ein.
error-not-an-option = Wählen Sie bei „{ $label }“ eine der angebotenen Möglichkeiten.
error-control-characters = „{ $label }“ enthält Zeichen, die nicht erlaubt sind (z. B. Zeilenumbrüche).

csrf-expired-title = Bitte senden Sie das Formular noch einmal ab
csrf-expired-text = Aus Sicherheitsgründen ist das Formular abgelaufen oder wurde in einem anderen Browser geöffnet. Ihre Eingaben sind erhalten geblieben.

confirmation-title = Antrag eingegangen
confirmation-reference = Ihre Vorgangsnummer
confirmation-service = Dienst:
confirmation-received = Eingegangen am
confirmation-next-title = Wie es weitergeht
confirmation-next-text = Die Gemeinde { $tenant } bearbeitet Ihren Antrag und meldet sich bei Ihnen. Notieren Sie sich die Vorgangsnummer für Rückfragen.
confirmation-back = Zu den Online-Diensten der Gemeinde

page-not-found-title = Seite nicht gefunden
page-not-found-text = Diese Seite gibt es nicht. Prüfen Sie die Adresse oder beginnen Sie auf der Startseite.
page-forbidden-title = Nicht erlaubt
page-forbidden-text = Die Anfrage konnte nicht bestätigt werden. Laden Sie die vorige Seite neu und versuchen Sie es noch einmal.
page-bad-request-title = Ungültige Anfrage
page-bad-request-text = Die Anfrage konnte nicht gelesen werden.
page-method-not-allowed-title = Nicht möglich
page-method-not-allowed-text = Diese Aktion ist auf dieser Seite nicht möglich.
page-too-large-title = Eingaben zu umfangreich
page-too-large-text = Ihre Eingaben sind zu umfangreich, um sie zu übertragen. Kürzen Sie lange Texte und senden Sie das Formular erneut.
page-internal-title = Es ist ein Fehler aufgetreten
page-internal-text = Entschuldigung, etwas hat nicht funktioniert. Bitte versuchen Sie es später noch einmal.
page-internal-reference = Wenn Sie uns kontaktieren, nennen Sie bitte diese Fehlernummer:

login-title = Anmeldung für Beschäftigte
login-username = Benutzername
login-password = Passwort
login-submit = Anmelden
login-missing = Geben Sie Benutzername und Passwort ein.
login-wrong = Benutzername oder Passwort ist falsch.
login-lockout-hint = Nach mehreren falschen Anmeldeversuchen hintereinander wird der Zugang für einige Zeit gesperrt. Warten Sie dann einige Minuten, bevor Sie es erneut versuchen.
login-demo-title = Demo-Zugänge
login-demo-text = In der Demo haben alle Zugänge das Passwort „demo“. Jede Gemeinde hat die Zugänge clerk.<gemeinde> (Sachbearbeitung) und admin.<gemeinde>.
login-demo-municipality = Gemeinde

staff-nav-label = Verwaltung
staff-inbox = Posteingang
staff-signed-in-as = Angemeldet als
staff-logout = Abmelden

inbox-title = Posteingang
inbox-municipalities = Gemeinden
inbox-reference = Vorgangsnummer
inbox-service = Dienst
inbox-received = Eingegangen
inbox-status = Status
inbox-empty = Es sind noch keine Anträge eingegangen.
inbox-no-tenant = Ihrem Zugang ist keine Gemeinde zugeordnet.
inbox-pagination = Seiten
inbox-previous = Vorherige Seite
inbox-next = Nächste Seite
inbox-page-of = Seite { $page } von { $pages } ({ $total } Anträge)

case-title = Vorgang
case-back = Zurück zum Posteingang
case-municipality = Gemeinde
case-form-version = Formular
case-not-given = nicht angegeben
case-attachments = Anlagen
case-login = Anmeldung
case-login-level = Angemeldet mit Vertrauensniveau: { $level }
case-login-none = Ohne Anmeldung eingereicht

status-awaiting-payment = Zahlung ausstehend
status-received = Eingegangen
status-forwarded = Weitergeleitet
status-in-progress = In Bearbeitung
status-needs-info = Rückfrage
status-decided = Entschieden
status-closed = Abgeschlossen
status-withdrawn = Zurückgezogen

contact-title = Kontakt
contact-intro = So erreichen Sie die Gemeindeverwaltung { $tenant }.
contact-email = E-Mail:
contact-phone = Telefon:
contact-missing = Die Gemeinde hat noch keine Kontaktangaben hinterlegt.
contact-accessibility-title = Barrieren melden
contact-accessibility-text = Ist Ihnen auf diesen Seiten eine Barriere aufgefallen, oder brauchen Sie Inhalte in einer anderen Form? Schreiben Sie uns oder rufen Sie uns an. Mehr dazu steht in der Erklärung zur Barrierefreiheit.
contact-federation-intro = Für Fragen zu einem Antrag und für Hinweise zur Barrierefreiheit wenden Sie sich bitte an Ihre Gemeinde.
contact-page-of = Kontaktseite von { $tenant }

statement-title = Erklärung zur Barrierefreiheit
statement-of = Erklärung zur Barrierefreiheit von { $tenant }
statement-intro = Die Gemeinde { $tenant } ist bemüht, ihre Online-Dienste im Einklang mit den Bestimmungen des Behindertengleichstellungsgesetzes (BGG) sowie der Barrierefreie-Informationstechnik-Verordnung (BITV 2.0) zur Umsetzung der Richtlinie (EU) 2016/2102 barrierefrei zugänglich zu machen.
statement-scope = Diese Erklärung zur Barrierefreiheit gilt für alle Seiten dieses Bürgerportals, die zur Gemeinde { $tenant } gehören: die Übersicht der Online-Dienste, die Beschreibungen der Dienste, die Antragsformulare, die Eingangsbestätigungen sowie die Seiten in Leichter Sprache und zum Kontakt.
statement-federation-intro = Die beteiligten Gemeinden sind bemüht, dieses gemeinsame Bürgerportal im Einklang mit den Bestimmungen des Behindertengleichstellungsgesetzes (BGG) sowie der Barrierefreie-Informationstechnik-Verordnung (BITV 2.0) zur Umsetzung der Richtlinie (EU) 2016/2102 barrierefrei zugänglich zu machen.
statement-federation-scope = Diese Erklärung gilt für die gemeinsamen Seiten des Portals: die Startseite, die Anmeldung und den Posteingang für Beschäftigte sowie die Fehlerseiten. Für die Online-Dienste jeder Gemeinde gibt es eine eigene Erklärung:
statement-status-title = Stand der Vereinbarkeit mit den Anforderungen
statement-status-text = Diese Website ist wegen der unten genannten Unvereinbarkeiten mit den Anforderungen der BITV 2.0
statement-status-partial = teilweise vereinbar
statement-method = Die Bewertung beruht auf einer Selbstbewertung und auf automatischen Prüfungen aller Seiten mit dem Prüfwerkzeug axe-core in einem echten Browser, auf Deutsch und auf Englisch, auch mit reiner Tastaturbedienung und ohne JavaScript. Eine Prüfung durch eine unabhängige Prüfstelle steht noch aus; bis dahin gilt der Stand „teilweise vereinbar“.
statement-gaps-title = Nicht barrierefreie Inhalte
statement-gaps-intro = Die folgenden Inhalte sind noch nicht oder nicht vollständig barrierefrei:
statement-gap-pdf = PDF-Dokumente: Eine Eingangsbestätigung als barrierefreies PDF-Dokument wird noch nicht angeboten. Notieren Sie sich bitte die Vorgangsnummer oder drucken Sie die Bestätigungsseite aus; sie ist für den Druck eingerichtet.
statement-gap-english = Englische Fassung: Die Bedienelemente des Portals gibt es auf Englisch, die Inhalte einzelner Formulare (Fragen, Hinweise, Auswahllisten) bisher zum Teil nur auf Deutsch.
statement-gap-sign-language = Deutsche Gebärdensprache: Erläuterungen zum Portal in Deutscher Gebärdensprache (DGS) gibt es noch nicht. Erläuterungen in Leichter Sprache finden Sie über den Link „Leichte Sprache“ am Ende jeder Seite.
statement-gap-audit = Prüfung: Was automatische Prüfungen nicht entscheiden können (zum Beispiel, ob Texte verständlich und Fehlermeldungen hilfreich sind), ist bisher nur von uns selbst bewertet worden.
statement-gaps-work = Wir arbeiten daran, diese Mängel zu beheben.
statement-written-title = Erstellung dieser Erklärung
statement-written = Diese Erklärung wurde am { $date } erstellt.
statement-reviewed = Die Barrierefreiheit der Online-Dienste wurde zuletzt am { $date } überprüft.
statement-not-reviewed = Die Barrierefreiheit der Online-Dienste dieser Gemeinde wurde noch nicht überprüft.
statement-feedback-title = Feedback und Kontaktangaben
statement-feedback-text = Sind Ihnen Mängel beim barrierefreien Zugang zu Inhalten aufgefallen? Oder brauchen Sie Informationen aus diesem Angebot in einer barrierefreien Form? Dann wenden Sie sich bitte an uns. Wir antworten Ihnen so bald wie möglich.
statement-feedback-who = Gemeindeverwaltung { $tenant }, Ansprechstelle für Barrierefreiheit
statement-federation-feedback = Jede Gemeinde hat eine eigene Ansprechstelle für Barrierefreiheit:
statement-conciliation-title = Schlichtungsverfahren
statement-conciliation-text = Wenn auch nach Ihrem Feedback an den oben genannten Kontakt keine zufriedenstellende Lösung gefunden wurde, können Sie sich an die Schlichtungsstelle nach § 16 BGG wenden. Die Schlichtungsstelle BGG hat die Aufgabe, bei Konflikten zum Thema Barrierefreiheit zwischen Menschen mit Behinderungen und öffentlichen Stellen eine außergerichtliche Streitbeilegung zu unterstützen. Das Schlichtungsverfahren ist kostenlos. Es muss kein Rechtsbeistand eingeschaltet werden.
statement-conciliation-more = Weitere Informationen zum Schlichtungsverfahren und zu den Möglichkeiten der Antragstellung finden Sie auf der Website der Schlichtungsstelle:
statement-conciliation-email = Direkt erreichen Sie die Schlichtungsstelle BGG per E-Mail:

easy-title = Leichte Sprache
easy-intro =
    Auf dieser Seite finden Sie Infos in Leichter Sprache.
    Leichte Sprache ist einfach zu lesen.
easy-what-title = Was ist das Bürger·portal?
easy-what-text =
    Das Bürger·portal ist eine Internet·seite.
    Die Internet·seite ist von Ihrer Gemeinde.
    Auf der Internet·seite können Sie Anträge stellen.
    Ein Antrag ist eine Bitte an die Gemeinde.
    Zum Beispiel: Sie haben einen Hund.
    Dann müssen Sie den Hund bei der Gemeinde anmelden.
    Das geht mit einem Antrag.
    Sie können den Antrag am Computer stellen.
    Oder mit dem Handy.
    Sie müssen dafür nicht ins Rat·haus gehen.
    Das nennt man: Online-Dienst.
easy-how-title = So stellen Sie einen Antrag
easy-step-1 =
    Gehen Sie auf die Start·seite von Ihrer Gemeinde.
    Dort steht eine Liste.
    In der Liste stehen alle Online-Dienste.
easy-step-2 =
    Suchen Sie den Online-Dienst aus.
    Klicken Sie auf den Namen.
easy-step-3 =
    Lesen Sie die Seite.
    Dort steht: Das brauchen Sie für den Antrag.
    Und dort steht: So viel kostet der Antrag.
easy-step-4 =
    Klicken Sie auf den grünen Knopf.
    Auf dem Knopf steht: Antrag starten.
easy-step-5 =
    Jetzt sehen Sie ein Formular.
    Ein Formular hat viele Felder.
    In die Felder schreiben Sie etwas.
    Zum Beispiel Ihren Namen.
    Bei manchen Feldern steht: optional.
    Optional heißt: Sie können hier etwas schreiben.
    Sie können das Feld aber auch leer lassen.
easy-step-6 =
    Klicken Sie am Ende auf den Knopf.
    Auf dem Knopf steht: Antrag absenden.
easy-step-7 =
    Vielleicht fehlt noch etwas.
    Dann steht oben auf der Seite: Es gibt ein Problem.
    Darunter steht: Das fehlt noch.
    Klicken Sie auf den Satz.
    Dann kommen Sie zu dem Feld.
    Verbessern Sie das Feld.
    Klicken Sie dann noch einmal auf: Antrag absenden.
easy-step-8 =
    Fertig!
    Sie sehen jetzt eine Vorgangs·nummer.
    Schreiben Sie die Vorgangs·nummer auf.
    Mit der Nummer findet die Gemeinde Ihren Antrag.
    Die Gemeinde meldet sich dann bei Ihnen.
easy-help-title = Sie brauchen Hilfe?
easy-help-text =
    Sie haben eine Frage?
    Oder Sie können etwas auf der Internet·seite nicht lesen?
    Dann helfen wir Ihnen gern.
easy-help-phone =
    Sie können uns anrufen.
    Das ist unsere Telefon·nummer:
easy-help-email =
    Sie können uns eine E-Mail schreiben.
    Das ist unsere E-Mail-Adresse:
easy-help-address =
    Sie können auch ins Rat·haus kommen.
    Das ist die Adresse:
easy-help-choose =
    Jede Gemeinde hat eigene Kontakt·daten.
    Wählen Sie Ihre Gemeinde.
    Dann sehen Sie die Kontakt·daten.
easy-start-link = Hier kommen Sie zu den Online-Diensten von { $tenant }.
easy-page-of = Leichte Sprache für { $tenant }

form-save = Speichern und später fortsetzen
draft-saved-title = Antrag gespeichert
draft-saved-text = Mit diesem Link setzen Sie Ihren Antrag später fort, auch auf einem anderen Gerät. Speichern Sie den Link, zum Beispiel als Lesezeichen:
draft-saved-until = Der Link gilt bis { $date }. Danach werden Ihre Angaben gelöscht.
draft-saved-warning = Wer den Link kennt, kann Ihre Angaben sehen. Geben Sie ihn nicht weiter.
resume-unknown-title = Link abgelaufen oder unbekannt
resume-unknown-text = Zu diesem Link gibt es keinen gespeicherten Antrag mehr. Er wurde abgeschickt, ist abgelaufen oder der Link ist unvollständig. Sie können einen neuen Antrag beginnen.
error-invalid-amount = Geben Sie bei „{ $label }“ einen Betrag in Euro ein, z. B. 12,50.
error-rule = Die Angaben passen nicht zueinander. Bitte prüfen Sie sie.
error-file-type = „{ $label }“: Diese Datei hat keinen der erlaubten Typen ({ $types }). Bitte wählen Sie eine andere Datei.
error-file-too-large = „{ $label }“: Die Datei ist größer als { $max } MB. Bitte wählen Sie eine kleinere Datei.
error-too-many-files = Bei „{ $label }“ können Sie höchstens { $max ->
    [one] eine Datei
   *[other] { $max } Dateien
} hochladen. Entfernen Sie zuerst eine.
error-file-empty = „{ $label }“: Die Datei ist leer. Bitte wählen Sie eine andere Datei.
computed-pending = Wird aus Ihren Angaben berechnet.
field-conditional = (falls zutreffend)
