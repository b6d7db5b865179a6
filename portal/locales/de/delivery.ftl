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
