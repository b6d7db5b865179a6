# Staff login through the administration's identity provider (OpenID Connect).

staff-oidc-section-title = With your service account
staff-oidc-button = Log in with your service account
staff-oidc-or-password = Or log in with username and password:
staff-oidc-failed-title = Login not possible
staff-oidc-back = Back to the login
staff-oidc-expired = This login has expired or was already used. Please log in again.
staff-oidc-cancelled = The login was cancelled. You are not logged in.
staff-oidc-refused = The login could not be confirmed. You are not logged in. Please try again.
staff-oidc-provider-down = The administration's login service is not answering right now. Please try again in a few minutes.
staff-oidc-no-access = Your service account has no access to the portal. Please ask whoever manages your service account if you need access.
staff-oidc-needs-mfa = Your municipality requires a login with a second factor (for example a one-time code or a security key). Please log in again and confirm the login with the second factor.
staff-oidc-username-taken = The username of your service account already belongs to another account in the portal. You are not logged in. Please contact the portal's administrators.
