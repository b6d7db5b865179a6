# Citizen login (OpenID Connect), logout and "Meine Anträge".

citizen-nav-label = Ihr Nutzerkonto
citizen-signed-in = Angemeldet
citizen-signed-in-as = Angemeldet als
citizen-logout = Abmelden

level-low = niedrig
level-substantial = substanziell
level-high = hoch
level-unknown = unbekannt

login-again = Erneut anmelden
login-expired-title = Anmeldung nicht mehr gültig
login-expired-text = Diese Anmeldung ist abgelaufen oder wurde schon verwendet. Bitte melden Sie sich erneut an. Ihre bisherigen Angaben bleiben gespeichert.
login-cancelled-title = Anmeldung abgebrochen
login-cancelled-text = Sie haben die Anmeldung abgebrochen. Sie sind nicht angemeldet. Ihre bisherigen Angaben bleiben gespeichert.
login-failed-title = Anmeldung fehlgeschlagen
login-failed-text = Die Anmeldung konnte nicht bestätigt werden. Sie sind nicht angemeldet. Bitte versuchen Sie es noch einmal; wenn es wieder nicht gelingt, wenden Sie sich an Ihre Gemeinde.
login-too-low-title = Anmeldung mit höherem Vertrauensniveau nötig
login-too-low-text = Für diesen Antrag ist das Vertrauensniveau „{ $needed }“ nötig. Ihre Anmeldung hat das Vertrauensniveau „{ $reached }“.
login-too-low-how = Melden Sie sich bitte erneut an, zum Beispiel mit dem Online-Ausweis (Personalausweis mit Online-Funktion) oder einem ELSTER-Zertifikat.
login-step-up = Mit höherem Vertrauensniveau anmelden
login-provider-down-title = Anmeldedienst nicht erreichbar
login-provider-down-text = Der Anmeldedienst antwortet gerade nicht. Bitte versuchen Sie es in einigen Minuten noch einmal. Ihre bisherigen Angaben bleiben gespeichert.
login-unavailable-title = Anmeldung nicht verfügbar

logout-done-title = Sie sind abgemeldet
logout-done-text = Sie sind vom Portal abgemeldet. Wenn Sie einen gemeinsam genutzten Computer verwenden, schließen Sie bitte den Browser.

mine-title = Meine Anträge
mine-lead = Hier sehen Sie Ihre begonnenen und gestellten Anträge bei allen Gemeinden dieses Portals.
mine-drafts = Begonnene Anträge
mine-no-drafts = Sie haben keine begonnenen Anträge.
mine-cases = Gestellte Anträge
mine-no-cases = Sie haben noch keine Anträge gestellt.
mine-service = Leistung
mine-municipality = Gemeinde
mine-kept = Gespeichert
mine-draft-until = bis { $date }
mine-reference = Aktenzeichen
mine-status = Stand

service-start-login = Anmelden und Antrag starten
field-prefilled = Aus Ihrem Nutzerkonto übernommen; ändern können Sie diese Angabe dort.
draft-saved-mine = Ihr Antrag ist gespeichert. Sie finden ihn nach der nächsten Anmeldung unter
draft-unknown-login = Wenn Sie den Antrag angemeldet begonnen haben, melden Sie sich bitte wieder an: Er öffnet sich nur mit Ihrem Nutzerkonto.
