# Staff login through the administration's identity provider (OpenID Connect).

staff-oidc-section-title = Mit dem Dienstkonto
staff-oidc-button = Mit dem Dienstkonto anmelden
staff-oidc-or-password = Oder melden Sie sich mit Benutzername und Passwort an:
staff-oidc-failed-title = Anmeldung nicht möglich
staff-oidc-back = Zur Anmeldung
staff-oidc-expired = Diese Anmeldung ist abgelaufen oder wurde schon verwendet. Bitte melden Sie sich erneut an.
staff-oidc-cancelled = Die Anmeldung wurde abgebrochen. Sie sind nicht angemeldet.
staff-oidc-refused = Die Anmeldung konnte nicht bestätigt werden. Sie sind nicht angemeldet. Bitte versuchen Sie es noch einmal.
staff-oidc-provider-down = Der Anmeldedienst der Verwaltung antwortet gerade nicht. Bitte versuchen Sie es in einigen Minuten noch einmal.
staff-oidc-no-access = Ihr Dienstkonto hat keinen Zugang zum Portal. Wenden Sie sich bitte an die Verwaltung Ihres Dienstkontos, wenn Sie Zugang brauchen.
staff-oidc-needs-mfa = Ihre Gemeinde verlangt eine Anmeldung mit zweitem Faktor (zum Beispiel Einmalcode oder Sicherheitsschlüssel). Bitte melden Sie sich erneut an und bestätigen Sie die Anmeldung mit dem zweiten Faktor.
staff-oidc-username-taken = Der Benutzername Ihres Dienstkontos gehört im Portal bereits einem anderen Zugang. Sie sind nicht angemeldet. Wenden Sie sich bitte an die Verwaltung des Portals.
staff-oidc-button-municipality = Mit dem Dienstkonto von { $municipality } anmelden
staff-oidc-awaiting-role = Ihr Dienstkonto ist jetzt im Portal bekannt, hat aber noch keine Rolle. Eine Administratorin oder ein Administrator Ihrer Gemeinde gibt Ihnen unter „Zugänge“ die passende Rolle; danach können Sie sich anmelden.

# Zugänge (admin area)
accounts-link = Zugänge
accounts-title = Zugänge und Rollen
accounts-municipalities = Gemeinden
accounts-intro = Hier sehen Sie die Zugänge Ihrer Gemeinde und geben ihnen Rollen: Sachbearbeitung (Posteingang und Anträge) und Verwaltung (dazu Formulare, Weiterleitungen und Zugänge). Ein neues Dienstkonto erscheint hier nach seiner ersten Anmeldung; eines ohne Rolle wird nach 90 Tagen ohne Anmeldung gelöscht.
accounts-intro-federation = Hier sehen Sie die Zugänge der gewählten Gemeinde und dazu alle Zugänge, die noch keine Rolle haben, und geben ihnen Rollen in dieser Gemeinde: Sachbearbeitung (Posteingang und Anträge) und Verwaltung (dazu Formulare, Weiterleitungen und Zugänge). Ein Dienstkonto ohne Rolle wird nach 90 Tagen ohne Anmeldung gelöscht; meldet sich die Person wieder an, erscheint es erneut.
accounts-caption = Zugänge für { $municipality }
accounts-username = Benutzername
accounts-kind = Anmeldung
accounts-roles = Rollen in dieser Gemeinde
accounts-kind-local = Benutzername und Passwort
accounts-kind-installation = Dienstkonto (Anmeldedienst des Portals)
accounts-kind-municipal = Dienstkonto (Anmeldedienst von { $municipality })
accounts-role-clerk = Sachbearbeitung
accounts-role-tenant-admin = Verwaltung
accounts-roles-of = Rollen von { $username }
accounts-save = Rollen speichern
accounts-no-role = Keine Rolle
accounts-own = Ihre eigenen Rollen ändert eine andere Administratorin oder ein anderer Administrator.
accounts-by-provider = Die Rollen vergibt der Anmeldedienst bei jeder Anmeldung.
accounts-none = Diese Gemeinde hat noch keine Zugänge.
accounts-saved-title = Gespeichert
accounts-saved-text = Die Rollen von { $username } sind gespeichert und gelten ab der nächsten Seite, die dieser Zugang öffnet.
login-needs-mfa-title = Anmeldung mit zweitem Faktor nötig
login-needs-mfa = Ihre Gemeinde verlangt eine Anmeldung mit zweitem Faktor (zum Beispiel Einmalcode oder Sicherheitsschlüssel); ein Passwort allein genügt dort nicht. Melden Sie sich bitte mit dem Dienstkonto Ihrer Gemeinde an. Sie sind nicht angemeldet.
accounts-last-login = Letzte Anmeldung
accounts-never = nicht erfasst
