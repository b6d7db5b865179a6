# Deutsche Texte des Portals. Jede Zeichenkette, die Bürgerinnen, Bürger oder Beschäftigte
# sehen, steht hier; die englische Fassung liegt in ../en/main.ftl mit denselben Schlüsseln.

site-name = Bürgerportal
skip-to-content = Zum Inhalt springen
footer-text = Ein Online-Dienst der beteiligten Gemeinden nach dem Onlinezugangsgesetz (OZG).
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

status-awaiting-payment = Zahlung ausstehend
status-received = Eingegangen
status-forwarded = Weitergeleitet
status-in-progress = In Bearbeitung
status-needs-info = Rückfrage
status-decided = Entschieden
status-closed = Abgeschlossen
status-withdrawn = Zurückgezogen
