# English texts of the portal, with the same keys as ../de/main.ftl.

site-name = Citizen portal
skip-to-content = Skip to main content
footer-text = An online service of the participating municipalities under the German Online Access Act (OZG).
footer-nav-label = About this portal
footer-accessibility = Accessibility statement
footer-easy-read = Easy Read
footer-contact = Contact
footer-imprint = Legal notice
footer-privacy = Privacy
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
trust-login-unavailable = This portal does not offer sign-in yet, so you cannot make this application here yet; please contact your municipality.

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
login-lockout-hint = After several failed sign-in attempts in a row the account is locked for a while. Then wait a few minutes before you try again.
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
case-attachments = Attachments
case-login = Login
case-login-level = Logged in at trust level: { $level }
case-login-none = Submitted without a login

status-awaiting-payment = Awaiting payment
status-received = Received
status-forwarded = Forwarded
status-in-progress = In progress
status-needs-info = Information requested
status-decided = Decided
status-closed = Closed
status-withdrawn = Withdrawn

contact-title = Contact
contact-intro = How to reach the municipal administration of { $tenant }.
contact-email = Email:
contact-phone = Phone:
contact-missing = The municipality has not entered any contact details yet.
contact-accessibility-title = Report a barrier
contact-accessibility-text = Have you found a barrier on these pages, or do you need content in another format? Write to us or call us. The accessibility statement has more on this.
contact-federation-intro = For questions about an application and for feedback on accessibility, please contact your municipality.
contact-page-of = Contact page of { $tenant }

statement-title = Accessibility statement
statement-of = Accessibility statement of { $tenant }
statement-intro = The municipality of { $tenant } is committed to making its online services accessible in accordance with the German Disability Equality Act (BGG) and the Barrier-Free Information Technology Ordinance (BITV 2.0), which implement Directive (EU) 2016/2102.
statement-scope = This accessibility statement applies to every page of this citizen portal that belongs to the municipality of { $tenant }: the list of online services, the service descriptions, the application forms, the confirmations of receipt, and the Easy Read and contact pages.
statement-federation-intro = The participating municipalities are committed to making this shared citizen portal accessible in accordance with the German Disability Equality Act (BGG) and the Barrier-Free Information Technology Ordinance (BITV 2.0), which implement Directive (EU) 2016/2102.
statement-federation-scope = This statement applies to the shared pages of the portal: the start page, the staff sign-in and inbox, and the error pages. The online services of each municipality have their own statement:
statement-status-title = Compliance status
statement-status-text = Because of the issues listed below, this website is, with respect to the requirements of BITV 2.0,
statement-status-partial = partially compliant
statement-method = This assessment is based on a self-assessment and on automated checks of every page with the axe-core tool in a real browser, in German and English, also using the keyboard only and without JavaScript. An audit by an independent testing body is still to come; until then the status is “partially compliant”.
statement-gaps-title = Content that is not accessible
statement-gaps-intro = The following content is not yet accessible, or not fully:
statement-gap-pdf = PDF documents: a confirmation of receipt as an accessible PDF document is not offered yet. Please write down the reference number or print the confirmation page; it is set up for printing.
statement-gap-english = English version: the portal's controls are available in English, but the content of some forms (questions, hints, lists of options) is so far partly in German only.
statement-gap-sign-language = German Sign Language: explanations of the portal in German Sign Language (DGS) are not available yet. Explanations in Easy Read are linked as “Easy Read” at the end of every page.
statement-gap-audit = Review: what automated checks cannot decide (for example whether texts are easy to understand and error messages helpful) has so far only been assessed by ourselves.
statement-gaps-work = We are working to fix these issues.
statement-written-title = Preparation of this statement
statement-written = This statement was prepared on { $date }.
statement-reviewed = The accessibility of the online services was last reviewed on { $date }.
statement-not-reviewed = The accessibility of this municipality's online services has not been reviewed yet.
statement-feedback-title = Feedback and contact information
statement-feedback-text = Have you found a problem with accessing content? Or do you need information from this website in an accessible format? Then please contact us. We will reply as soon as we can.
statement-feedback-who = Municipal administration of { $tenant }, accessibility contact
statement-federation-feedback = Each municipality has its own accessibility contact:
statement-conciliation-title = Conciliation procedure
statement-conciliation-text = If your feedback to the contact above has not led to a satisfactory solution, you can turn to the conciliation body under section 16 of the German Disability Equality Act (Schlichtungsstelle nach § 16 BGG). The conciliation body helps settle disputes about accessibility between people with disabilities and public bodies out of court. The procedure is free of charge. You do not need a lawyer.
statement-conciliation-more = More about the conciliation procedure and how to apply (in German) on the conciliation body's website:
statement-conciliation-email = You can reach the conciliation body directly by email:

easy-title = Easy Read
easy-intro =
    This page gives you information in Easy Read.
    Easy Read is easy to read.
easy-what-title = What is the citizen portal?
easy-what-text =
    The citizen portal is a website.
    The website belongs to your town.
    On the website you can send applications.
    An application is a request to the town.
    For example: you have a dog.
    Then you must tell the town about your dog.
    You do this with an application.
    You can send the application from your computer.
    Or from your phone.
    You do not have to go to the town hall.
    This is called an online service.
easy-how-title = How to send an application
easy-step-1 =
    Go to the start page of your town.
    There you see a list.
    The list shows all online services.
easy-step-2 =
    Choose the online service you need.
    Click on its name.
easy-step-3 =
    Read the page.
    It tells you what you need for the application.
    It also tells you how much the application costs.
easy-step-4 =
    Click on the green button.
    The button says: Start application.
easy-step-5 =
    Now you see a form.
    A form has many boxes.
    You write something in each box.
    For example your name.
    Some boxes say: optional.
    Optional means: you can write something here.
    You can also leave the box empty.
easy-step-6 =
    At the end, click on the button.
    The button says: Submit application.
easy-step-7 =
    Maybe something is missing.
    Then the top of the page says: There is a problem.
    Below it you see what is missing.
    Click on the sentence.
    This takes you to the box.
    Correct the box.
    Then click on Submit application again.
easy-step-8 =
    Done!
    Now you see a reference number.
    Write down the reference number.
    The town uses the number to find your application.
    The town will then contact you.
easy-help-title = Do you need help?
easy-help-text =
    Do you have a question?
    Or can you not read something on the website?
    Then we are happy to help you.
easy-help-phone =
    You can call us.
    This is our phone number:
easy-help-email =
    You can send us an email.
    This is our email address:
easy-help-address =
    You can also come to the town hall.
    This is the address:
easy-help-choose =
    Every town has its own contact details.
    Choose your town.
    Then you see the contact details.
easy-start-link = Go to the online services of { $tenant }.
easy-page-of = Easy Read for { $tenant }

form-save = Save and continue later
draft-saved-title = Application saved
draft-saved-text = Use this link to continue your application later, also on another device. Keep the link, for example as a bookmark:
draft-saved-until = The link works until { $date }. After that your answers are deleted.
draft-saved-warning = Anyone who knows the link can see your answers. Do not share it.
resume-unknown-title = Link expired or unknown
resume-unknown-text = There is no saved application for this link any more. It was sent, it has expired, or the link is incomplete. You can start a new application.
error-invalid-amount = Enter “{ $label }” as an amount in euros, like 12.50.
error-rule = The answers do not fit together. Please check them.
error-file-type = “{ $label }”: this file is none of the allowed types ({ $types }). Please choose another file.
error-file-too-large = “{ $label }”: the file is larger than { $max } MB. Please choose a smaller file.
error-too-many-files = You can upload at most { $max ->
    [one] one file
   *[other] { $max } files
} for “{ $label }”. Remove one first.
error-file-empty = “{ $label }”: the file is empty. Please choose another file.
computed-pending = Calculated from your answers.
field-conditional = (if applicable)
