# The multi-step journey: step navigation, check your answers, declaration.
journey-step-of = Schritt { $number } von { $total }
journey-continue = Weiter
journey-continue-check = Weiter zur Übersicht
journey-back = Zurück
journey-back-keep = Zurück zum vorigen Schritt
check-title = Angaben prüfen und absenden
check-intro = Prüfen Sie Ihre Angaben, bevor Sie den Antrag absenden. Mit „Ändern“ kommen Sie zur Stelle im Formular; danach geht es hierher zurück.
check-change = Ändern
check-not-given = Keine Angabe
check-declaration-title = Erklärung
check-declaration-default = Ich versichere, dass meine Angaben vollständig und wahrheitsgemäß sind.
check-declaration-missing = Bestätigen Sie die Erklärung, um den Antrag abzusenden.
draft-saved-continue = Jetzt weitermachen
draft-unknown-title = Antrag nicht gefunden
draft-unknown-text = Dieser Antrag ist in diesem Browser nicht geöffnet. Er wurde schon abgeschickt, ist abgelaufen oder wurde mit dem Link zum Fortsetzen in einem anderen Browser geöffnet. Mit Ihrem Link zum Fortsetzen öffnen Sie ihn hier wieder.

## Repeating groups (one row per dog, per person, ...)
group-row = Eintrag
group-add = Weiteren Eintrag hinzufügen
group-remove = { $row } entfernen

## File uploads
file-limits = Erlaubt: { $types }; höchstens { $max } MB je Datei{ $count ->
    [1] {""}
   *[other] , bis zu { $count } Dateien
}.
file-uploaded = Hochgeladen:
file-remove = Entfernen
