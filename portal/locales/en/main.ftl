# English texts of the portal, with the same keys as ../de/main.ftl.

site-name = Citizen portal
skip-to-content = Skip to main content
footer-text = An online service of the participating municipalities under the German Online Access Act (OZG).
demo-label = Demo:
demo-banner = This is a demonstration. Do not enter real personal data; applications are not processed.
back-to-start = Go to the start page

home-title = Online services of your municipality
home-lead = Apply online whenever it suits you. First choose your municipality.
home-municipalities = Municipalities
home-empty = No municipalities have been set up yet.

tenant-services = Online services
tenant-no-services = This municipality offers no online services yet.

service-requirements = What you need
service-fee = Cost
service-login = Sign-in
service-start = Start application
fee-none = There is no fee for the online application.
fee-fixed = The fee is { $amount }.
fee-per-unit = The fee is { $amount } per { $unit }.
trust-none = You do not need a user account for this application.
trust-low = You sign in with a user account for this application (assurance level low).
trust-substantial = You sign in with a user account for this application (assurance level substantial, e.g. ELSTER certificate).
trust-high = You sign in with your online ID card for this application (assurance level high).

form-intro = All fields are required unless marked as optional.
form-submit = Submit application
field-optional = (optional)
select-choose = Please choose

error-summary-title = There is a problem
error-title-prefix = Error
error-prefix = Error:
error-required = Enter “{ $label }”.
error-required-choice = Select an option for “{ $label }”.
error-required-checkbox = Please confirm: “{ $label }”
error-too-short = “{ $label }” must be at least { $min } characters.
error-too-long = “{ $label }” must be { $max } characters or fewer.
error-invalid-email = Enter “{ $label }” in the correct format, like name@example.com.
error-invalid-phone = Enter “{ $label }” as a telephone number, like 03631 123456.
error-invalid-date = Enter “{ $label }” as a real date, like 31.01.2026.
error-invalid-number = Enter “{ $label }” as a whole number.
error-too-small = “{ $label }” must be { $min } or more.
error-too-large = “{ $label }” must be { $max } or less.
error-invalid-postal-code = Enter “{ $label }” as a postcode of 5 digits.
error-not-an-option = Choose one of the options for “{ $label }”.
error-control-characters = “{ $label }” contains characters that are not allowed (such as line breaks).

csrf-expired-title = Please submit the form again
csrf-expired-text = For your security the form expired or was opened in another browser. Your answers have been kept.

confirmation-title = Application received
confirmation-reference = Your reference number
confirmation-service = Service:
confirmation-received = Received on
confirmation-next-title = What happens next
confirmation-next-text = The municipality of { $tenant } will process your application and contact you. Keep the reference number for any questions.
confirmation-back = Back to the municipality's online services

page-not-found-title = Page not found
page-not-found-text = This page does not exist. Check the address or begin on the start page.
page-forbidden-title = Not allowed
page-forbidden-text = The request could not be confirmed. Reload the previous page and try again.
page-bad-request-title = Bad request
page-bad-request-text = The request could not be read.
page-method-not-allowed-title = Not possible
page-method-not-allowed-text = This action is not possible on this page.
page-too-large-title = Too much data
page-too-large-text = Your answers are too large to send. Shorten long texts and submit the form again.
page-internal-title = Sorry, there is a problem
page-internal-text = Something went wrong. Please try again later.
page-internal-reference = If you contact us, please quote this error number:

login-title = Staff sign-in
login-username = Username
login-password = Password
login-submit = Sign in
login-missing = Enter your username and password.
login-wrong = The username or password is wrong.
login-demo-title = Demo accounts
login-demo-text = In the demo every account has the password “demo”. Each municipality has the accounts clerk.<municipality> (case worker) and admin.<municipality>.
login-demo-municipality = Municipality

staff-nav-label = Administration
staff-inbox = Inbox
staff-signed-in-as = Signed in as
staff-logout = Sign out

inbox-title = Inbox
inbox-municipalities = Municipalities
inbox-reference = Reference
inbox-service = Service
inbox-received = Received
inbox-status = Status
inbox-empty = No applications have been received yet.
inbox-no-tenant = Your account has no municipality assigned.
inbox-pagination = Pages
inbox-previous = Previous page
inbox-next = Next page
inbox-page-of = Page { $page } of { $pages } ({ $total } applications)

case-title = Case
case-back = Back to the inbox
case-municipality = Municipality
case-form-version = Form
case-not-given = not given

status-awaiting-payment = Awaiting payment
status-received = Received
status-forwarded = Forwarded
status-in-progress = In progress
status-needs-info = Information requested
status-decided = Decided
status-closed = Closed
status-withdrawn = Withdrawn
