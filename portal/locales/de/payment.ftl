## Online payment of fees

payment-title = Gebühr bezahlen
payment-intro = Ihr Antrag ist gespeichert. Wir bearbeiten ihn, sobald die Gebühr bezahlt ist.
payment-intro-later = Ihr Antrag ist eingegangen. Die Gebühr ist noch offen; Sie können sie hier bezahlen.
payment-reference = Aktenzeichen
payment-service = Leistung
payment-amount = Betrag
payment-items = Zusammensetzung
payment-start = Jetzt bezahlen
payment-retry = Erneut bezahlen
payment-go = Weiter zur Bezahlseite
payment-go-hint = Sie verlassen dafür das Portal und bezahlen auf der Seite des Zahlungsdienstes. Danach kommen Sie hierher zurück.
payment-check = Zahlungsstatus prüfen
payment-later-link = Später bezahlen und zur Eingangsbestätigung
payment-back = Zurück zur Zahlung
payment-unavailable = Der Zahlungsdienst ist gerade nicht erreichbar. Ihr Antrag ist gespeichert, es wurde nichts abgebucht. Bitte versuchen Sie es in einigen Minuten erneut.
payment-not-possible = Die Online-Zahlung ist gerade nicht möglich. Ihr Antrag ist gespeichert. Bitte wenden Sie sich an die Verwaltung.
payment-failed = Die Zahlung ist fehlgeschlagen. Es wurde nichts abgebucht. Sie können es erneut versuchen, ohne das Formular noch einmal auszufüllen.
payment-cancelled = Sie haben die Zahlung abgebrochen. Sie können jederzeit erneut bezahlen, ohne das Formular noch einmal auszufüllen.
payment-expired = Die Zeit für diese Zahlung ist abgelaufen. Sie können erneut bezahlen, ohne das Formular noch einmal auszufüllen.
payment-pending-title = Zahlung wird geprüft
payment-pending-text = Der Zahlungsdienst hat die Zahlung noch nicht bestätigt. Das kann einige Minuten dauern, bei Lastschrift auch einige Tage. Sie müssen nichts weiter tun.
payment-pending-unreachable = Der Zahlungsdienst ist gerade nicht erreichbar, daher kennen wir den Stand Ihrer Zahlung noch nicht. Bitte prüfen Sie ihn in einigen Minuten erneut.
payment-pending-reference = Ihr Aktenzeichen: { $reference }
check-fee-due = Zu zahlen: { $amount }
check-fee-next = Nach dem Absenden bezahlen Sie die Gebühr online.
check-fee-later = Sie können die Gebühr nach dem Absenden online bezahlen oder später.

## The demo's simulated payment provider

sim-title = Simulierte Bezahlseite
sim-banner = Simulation: Dies ist keine echte Zahlung. Es wird kein Geld bewegt.
sim-for = Zahlung für
sim-decided = Diese Zahlung ist bereits entschieden.
sim-pay = Zahlung erfolgreich
sim-fail = Zahlung fehlgeschlagen
sim-cancel = Zahlung abbrechen

## Clerk: payment section of a case

pay-title = Zahlung
pay-summary-paid = Bezahlt: { $amount }
pay-summary-open = Die Gebühr ist noch nicht bezahlt. Der Antrag gilt erst mit der Zahlung als eingegangen.
pay-summary-later = Die Gebühr ist noch offen (Zahlung nach Eingang erlaubt).
pay-attempts = Zahlungsversuche
pay-col-date = Begonnen
pay-col-provider = Zahlungsdienst
pay-col-reference = Referenz
pay-col-kassenzeichen = Kassenzeichen
pay-col-method = Zahlart
pay-col-amount = Betrag
pay-col-state = Stand
pay-col-refunded = Erstattet
pay-refund-due = (doppelt bezahlt: zu erstatten)
pay-refundable = erstattbar
pay-refund-title = Erstatten
pay-refund-via-provider = Die Erstattung geht über den Zahlungsdienst zurück an die Zahlungsquelle.
pay-refund-via-cash-office = Dieser Zahlungsdienst kennt keine Erstattung: Die Kasse zahlt den Betrag aus; hier wird sie vermerkt.
pay-refund-attempt = Zahlung
pay-refund-amount = Betrag in Euro
pay-refund-reason = Grund
pay-refund-submit = Erstattung buchen
pay-refund-error-amount = Bitte geben Sie einen Betrag größer als 0 an, zum Beispiel 12,50, und wählen Sie eine bezahlte Zahlung.
pay-refund-error-reason = Bitte geben Sie einen Grund an (höchstens 500 Zeichen).
pay-refund-error-too-much = Der Betrag ist höher als das, was von dieser Zahlung noch erstattet werden kann.
pay-refund-error-provider = Der Zahlungsdienst hat die Erstattung nicht ausgeführt. Es wurde nichts erstattet; bitte versuchen Sie es später erneut.
pay-timeline = Verlauf
pay-state-created = angelegt
pay-state-pending = offen
pay-state-paid = bezahlt
pay-state-failed = fehlgeschlagen
pay-state-cancelled = abgebrochen
pay-state-expired = abgelaufen
pay-state-partially-refunded = teilweise erstattet
pay-state-refunded = erstattet
event-submitted = Antrag abgeschickt
event-completed = Antrag vollständig eingegangen
event-payment-started = Zahlung begonnen
event-payment-pending = Zahlung offen
event-payment-paid = Zahlung bestätigt
event-payment-failed = Zahlung fehlgeschlagen
event-payment-cancelled = Zahlung abgebrochen
event-payment-expired = Zahlung abgelaufen
event-payment-partially-refunded = teilweise erstattet
event-payment-refunded = erstattet
event-payment-created = Zahlung angelegt
event-payment-refund-due = doppelte Zahlung, zu erstatten
event-refund-requested = Erstattung angewiesen
event-refund-done = Erstattung ausgeführt
event-refund-failed = Erstattung fehlgeschlagen

## Receipt (PDF) and confirmation

receipt-title = Zahlungsbeleg
receipt-reference = Aktenzeichen
receipt-service = Leistung
receipt-paid-at = Bezahlt am
receipt-method = Zahlungsart
receipt-kassenzeichen = Kassenzeichen
receipt-provider-reference = Zahlungsreferenz
receipt-fees = Gebühren
receipt-description = Beschreibung
receipt-quantity = Menge
receipt-unit-amount = Einzelbetrag
receipt-amount = Betrag
receipt-total = Gesamtbetrag
receipt-demo-note = Demo: Dies ist kein echter Zahlungsbeleg. Es wurde kein Geld bezahlt.
receipt-download = Zahlungsbeleg herunterladen (PDF)
confirmation-paid = Die Gebühr von { $amount } ist bezahlt.
confirmation-fee-open = Die Gebühr von { $amount } ist noch offen.
confirmation-pay-now = Gebühr jetzt bezahlen

## Cash office export

cash-office-title = Kassenexport
cash-office-day = Tag der Zahlungen
cash-office-csv = Als CSV herunterladen
cash-office-refunds = Erstattungen als CSV
cash-office-json = Als JSON herunterladen
cash-office-bad-day = Bitte geben Sie den Tag als Datum an, zum Beispiel 2026-11-27.
mine-receipt = Zahlungsbeleg (PDF)
mine-pay = Gebühr bezahlen

## Inbox views

inbox-views = Ansichten
inbox-view-complete = Eingegangen
inbox-view-awaiting = Warten auf Zahlung ({ $count })
check-fee-problem-title = Der Antrag kann so nicht abgeschickt werden
check-fee-invalid = Für Ihre Angaben lässt sich die Gebühr nicht berechnen. Bitte prüfen Sie die Angaben, nach denen sich die Gebühr richtet (zum Beispiel die Zahl der Jahre). Ihre Angaben sind gespeichert.
check-fee-no-provider = Die Online-Zahlung ist für diese Leistung hier noch nicht eingerichtet. Ihre Angaben sind gespeichert; bitte wenden Sie sich an die Verwaltung.
pay-refund-error-pending = Der Zahlungsdienst hat eine Erstattung noch nicht bestätigt. Sie ist vorgemerkt und zählt schon als gebucht; beim nächsten Versuch wird sie erneut abgefragt, nicht doppelt ausgeführt.
