## Emails: the office's copy of a case, the citizen's confirmation and status changes.
mail-office-subject = Neuer Antrag { $reference }: { $service }
mail-office-intro = Über das Bürgerportal ist ein Antrag eingegangen.

    Aktenzeichen: { $reference }
    Leistung: { $service }
    Kommune: { $municipality }

    Der Antrag liegt als PDF und als JSON bei, die hochgeladenen Dateien ebenfalls.
mail-office-paid = Gebühr: { $amount } € (bezahlt)
mail-office-open = Gebühr: { $amount } € (noch offen)
mail-office-key = Zustellschlüssel (bei doppelter Zustellung gleich): { $key }
mail-confirmation-subject = Ihr Antrag { $reference } ist eingegangen
mail-confirmation-body = Guten Tag,

    Ihr Antrag „{ $service }“ bei { $municipality } ist vollständig eingegangen.

    Ihr Aktenzeichen: { $reference }

    Bitte geben Sie es bei Rückfragen an. Den Stand Ihres Antrags sehen Sie unter „Meine Anträge“: { $link }

    Wurde eine Gebühr bezahlt, liegt die Quittung bei.

    Diese Nachricht wurde automatisch erstellt.
mail-status-subject = Neuer Stand zu Ihrem Antrag { $reference }
mail-status-body = Guten Tag,

    zu Ihrem Antrag „{ $service }“ bei { $municipality } (Aktenzeichen { $reference }) gibt es einen neuen Stand: { $status }

    { $note }

    Den Stand Ihres Antrags sehen Sie unter „Meine Anträge“: { $link }

    Diese Nachricht wurde automatisch erstellt.

## The case page's delivery section and the admins' list of deliveries given up.
delivery-title = Weiterleitung
delivery-none = Für diese Leistung ist keine Weiterleitung eingerichtet.
delivery-note = Letzte Mitteilung an die antragstellende Person:
delivery-col-target = Ziel
delivery-col-state = Stand
delivery-col-attempts = Versuche
delivery-col-done = Zugestellt am
delivery-col-message = Letzte Meldung
delivery-col-key = Zustellschlüssel
delivery-col-case = Antrag
delivery-kind-webhook = Webhook
delivery-kind-email = E-Mail
delivery-kind-fit-connect = FIT-Connect
delivery-kind-file-drop = Dateiablage
delivery-kind-pull-api = Abruf-Schnittstelle
delivery-citizen-mail = E-Mail an die antragstellende Person
delivery-state-done = Zugestellt
delivery-state-dead = Aufgegeben
delivery-state-queued = In der Warteschlange
delivery-state-retry = Fehlgeschlagen, nächster Versuch
delivery-state-waiting-pull = Wartet auf Abruf
delivery-retry = Erneut versuchen
delivery-dead-title = Aufgegebene Zustellungen
delivery-dead-intro = Diese Zustellungen sind nach zu vielen Fehlversuchen oder einer endgültigen Ablehnung aufgegeben worden. Beheben Sie die Ursache (etwa die Adresse oder den Schlüssel in der Konfiguration) und versuchen Sie es erneut.
delivery-dead-none = Keine aufgegebenen Zustellungen.
delivery-dead-link = Aufgegebene Zustellungen
event-delivered = Zugestellt
event-forwarded = Weitergeleitet
event-delivery-dead = Zustellung aufgegeben
event-status = Neuer Stand
