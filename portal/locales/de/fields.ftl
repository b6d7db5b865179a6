# Field types beyond the basic inputs (IBAN, yes/no, consent, file upload).

# Ja/Nein-Fragen (yes_no): die beiden Antworten.
field-yes = Ja
field-no = Nein

# Einwilligung (consent), nicht angekreuzt, obwohl nötig.
error-required-consent = Bitte setzen Sie bei „{ $label }“ das Häkchen. Ohne Ihre Zustimmung können Sie den Antrag nicht stellen.

# IBAN
error-invalid-iban = Geben Sie bei „{ $label }“ eine IBAN ein. Sie beginnt mit dem Länderkürzel, z. B. DE89 3704 0044 0532 0130 00.
error-iban-length = Die IBAN bei „{ $label }“ hat nicht die richtige Länge: Eine IBAN aus diesem Land hat { $length } Zeichen.
error-iban-checksum = Die IBAN bei „{ $label }“ ist nicht gültig. Bitte prüfen Sie, ob Sie sich vertippt haben.
