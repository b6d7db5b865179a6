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
