# Citizen login (OpenID Connect), logout and "my applications".

citizen-nav-label = Your account
citizen-signed-in = Logged in
citizen-signed-in-as = Logged in as
citizen-logout = Log out

level-low = low
level-substantial = substantial
level-high = high
level-unknown = unknown

login-again = Log in again
login-expired-title = This login is no longer valid
login-expired-text = This login has expired or was already used. Please log in again. What you entered so far stays saved.
login-cancelled-title = Login cancelled
login-cancelled-text = You cancelled the login. You are not logged in. What you entered so far stays saved.
login-failed-title = Login failed
login-failed-text = The login could not be confirmed. You are not logged in. Please try again; if it fails again, contact your municipality.
login-too-low-title = A login with a higher level of assurance is needed
login-too-low-text = This application needs the level of assurance “{ $needed }”. Your login has the level “{ $reached }”.
login-too-low-how = Please log in again, for example with the online ID card function or an ELSTER certificate.
login-step-up = Log in with a higher level
login-provider-down-title = The login service cannot be reached
login-provider-down-text = The login service is not answering right now. Please try again in a few minutes. What you entered so far stays saved.
login-unavailable-title = Login not available

logout-done-title = You are logged out
logout-done-text = You are logged out of the portal. If you use a shared computer, please close the browser.

mine-title = My applications
mine-lead = Your started and submitted applications with every municipality of this portal.
mine-drafts = Started applications
mine-no-drafts = You have no started applications.
mine-cases = Submitted applications
mine-no-cases = You have not submitted any applications yet.
mine-service = Service
mine-municipality = Municipality
mine-kept = Saved
mine-draft-until = until { $date }
mine-reference = Reference
mine-status = Status

service-start-login = Log in and start the application
field-prefilled = Taken from your account; you can change it there.
draft-saved-mine = Your application is saved. After your next login you find it under
draft-unknown-login = If you started the application while logged in, please log in again: it opens only with your account.
