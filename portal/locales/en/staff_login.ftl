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
staff-oidc-button-municipality = Log in with your { $municipality } service account
staff-oidc-awaiting-role = Your service account is now known to the portal but has no role yet. An administrator of your municipality gives you the right role under "Accounts"; then you can log in.

# Accounts (admin area)
accounts-link = Accounts
accounts-title = Accounts and roles
accounts-municipalities = Municipalities
accounts-intro = These are your municipality's accounts; give them roles here: clerk (inbox and cases) and administrator (also forms, deliveries and accounts). A new service account appears here after its first login; one without a role is deleted after 90 days without a login.
accounts-intro-federation = These are the chosen municipality's accounts, and every account that has no role yet; give them roles in this municipality: clerk (inbox and cases) and administrator (also forms, deliveries and accounts). A service account without a role is deleted after 90 days without a login; when the person logs in again, it appears again.
accounts-caption = Accounts of { $municipality }
accounts-username = Username
accounts-kind = Login
accounts-roles = Roles in this municipality
accounts-kind-local = Username and password
accounts-kind-installation = Service account (the portal's login service)
accounts-kind-municipal = Service account ({ $municipality }'s login service)
accounts-role-clerk = Clerk
accounts-role-tenant-admin = Administrator
accounts-roles-of = Roles of { $username }
accounts-save = Save roles
accounts-no-role = No role
accounts-own = Another administrator changes your own roles.
accounts-by-provider = The login service grants the roles at every login.
accounts-none = This municipality has no accounts yet.
accounts-saved-title = Saved
accounts-saved-text = The roles of { $username } are saved and apply from the next page this account opens.
login-needs-mfa-title = A login with a second factor is needed
login-needs-mfa = Your municipality requires a login with a second factor (for example a one-time code or a security key); a password alone is not enough there. Please log in with your municipality's service account. You are not logged in.
accounts-last-login = Last login
accounts-never = not recorded
