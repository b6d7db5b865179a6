# The admin area: form versions (upload, lint, publish), municipalities' parameter values and
# the explain view.

## Access and navigation

admin-forms-link = Forms and versions
admin-forbidden-title = No access to form management
admin-forbidden-text = Forms and their versions are managed by a municipality's administrators and the federation's administrators. Your account is not one of them. If you need these rights, ask your administrator.
admin-back-to-inbox = Back to the inbox

## The list of forms and versions

forms-title = Forms and versions
forms-intro-federation = Every form of the federation with its versions, newest first, and which municipality offers which version.
forms-intro-tenant = The forms that { $municipalities } offers or published itself, and the federation's forms, with their versions, newest first, and which municipality offers which version.
forms-new-version = Check and publish a new form version
forms-empty = There are no forms yet.
forms-versions-of = Versions of “{ $title }” ({ $key })
forms-key = Key
forms-version = Version
forms-published-on = Published on
forms-published-by = Published by
forms-offered-by = Offered by
forms-offered-nowhere = no municipality yet
forms-federation = Federation
forms-published-moved = Version { $version } of “{ $title }” is published. { $moved ->
    [one] One service uses
   *[other] { $moved } services use
} it for new applications from now on.
forms-published-nowhere = Version { $version } of “{ $title }” is stored. No municipality offers it yet: new applications use it once a service offers it.
forms-published-kept = Applications already started and cases already received keep the version they were started with.

## Checking and publishing a definition

upload-title = Check and publish a form version
upload-back = Back to the forms
upload-intro = Paste a form's definition and have it checked. If it is fine, you see a summary and can publish the version.
upload-definition = Form definition
upload-definition-hint = JSON or YAML, as described in the documentation of the form format. Text that starts with a curly brace is read as JSON, anything else as YAML.
upload-municipality = For which municipality?
upload-check = Check
upload-missing = Paste a form definition.
upload-problems = { $count ->
    [one] The definition has one problem.
   *[other] The definition has { $count } problems.
}
upload-problem-whole = whole definition
upload-choose-municipality = Choose a municipality you manage.
upload-not-newer = Version { $version } is not newer than the stored version { $latest } of this form. A published version stays as it is: set “version” in the definition to { $next } or higher.
upload-shared = Another municipality offers this form too, or another municipality published it. Shared forms are published by the federation's administrators.
upload-version-too-large = The version number is too large.
upload-clean-title = The definition is fine
upload-summary-title = Title
upload-summary-key = Key
upload-summary-version = Version
upload-summary-steps = Steps
upload-summary-fields = Fields
upload-steps-caption = Steps and their fields
upload-step = Step
upload-step-fields = Fields
upload-effect-federation = Publishing moves every service that offers an older version of this form to this version, in every municipality of the federation. A new form is not offered by any municipality yet.
upload-effect-tenant = Publishing moves the services of { $municipality } that offer an older version of this form to this version. A new form is not offered by any municipality yet.
upload-effect-kept = A published version cannot be changed. Applications already started and cases already received keep their version.
upload-publish = Publish

## The explain view of a case

explain-link = See conditions and computed values
explain-title = Conditions and computed values
explain-intro = Every condition, rule and computed value of form version { $version }, evaluated with this case's answers.
explain-params = Municipality parameters: the values the municipality has set now, else the form version's defaults. The amounts stored with the case were calculated when it was submitted.
explain-back = Back to the case
explain-none = This form version has no conditions, no rules and no computed values.
explain-caption = Conditions and computed values of { $reference }
explain-where = Where
explain-what = Meaning
explain-expression = Expression
explain-value = Result
explain-true = true
explain-false = false
explain-error = Error:
explain-step-visible = Step “{ $label }” is shown if
explain-field-visible = Field “{ $label }” is shown if
explain-field-required = Field “{ $label }” is required if
explain-field-value = Value of “{ $label }”
explain-rule = Rule “{ $label }” holds if

## A municipality's own values for a form's parameters

forms-parameters = The municipalities' own values for this form, for example tax rates:
forms-parameters-link = Set the values of { $municipality } for “{ $title }”
params-title = Values of { $municipality }: { $title }
params-intro = The form ({ $version }) uses these values for your municipality, for example to calculate the expected tax. Once saved, they apply to every new calculation, in later versions of the form too. Applications already received keep the amounts they were made with.
params-empty-default = Leave a field empty to use the form's default value.
params-default = Default: { $value }.
params-save = Save values
params-saved = The values are saved. New applications use them from now on.
params-none = This form has no values a municipality can set.

## Offering a form as a municipality's service

forms-offer = Offer in a municipality
forms-offer-of = Offer in a municipality: “{ $title }”
offer-title = Offer “{ $title }”
offer-title-plain = Offer a form
offer-intro = The newest version of this form becomes a service of the chosen municipality. Citizens then find it in the municipality's list of services. The service takes on later versions when they are published.
offer-nowhere = Every municipality where you may offer this form offers it already.
offer-municipality = Municipality
offer-address = Address of the service
offer-address-hint = Lowercase letters, digits and hyphens, for example dog-tax: the service is then at /municipality/services/dog-tax.
offer-address-invalid = The address may contain only lowercase letters (no umlauts), digits and single hyphens, and must be 2 to 40 characters long.
offer-address-taken = This municipality already uses the address for another service. Choose another one.
offer-already = This municipality already offers the form.
offer-foreign = Another municipality published this form as its own. It can be shared once the federation administration publishes a version for everyone.
offer-button = Offer
offer-done = { $municipality } now offers “{ $title }”:

## The federation's municipalities

municipalities-link = Municipalities
municipalities-title = Municipalities
municipalities-intro-federation = The municipalities of the federation. Create a new municipality here or change a municipality's details.
municipalities-intro-tenant = The municipalities you administer. Change their name and the details every one of their pages shows.
municipalities-none = There is no municipality yet.
municipalities-new = Create a municipality
municipalities-new-intro = Address and code cannot be changed later: links and reference numbers carry them. Every page of the municipality shows the other details, as BITV 2.0 requires.
municipalities-create = Create municipality
municipalities-created = { $municipality } is created.
municipalities-next = Next: offer services under “Forms and versions”, and give accounts roles in the municipality under “Accounts” (the command “portal staff create” creates new accounts).
municipalities-caption = Municipalities
municipalities-name = Name
municipalities-address = Address
municipalities-code = Code
municipalities-services = Services
municipalities-details = Details
municipalities-edit = Change
municipalities-edit-of = Change the details of { $municipality }
municipalities-edit-title = Details of { $municipality }
municipalities-edit-intro = Address { $address } and code { $code } stay as they are.
municipalities-save = Save details
municipalities-saved = The details are saved. The municipality's pages show them from now on.
municipalities-back = Back to the municipalities
municipality-form-title = Details of the municipality
municipality-name = Name
municipality-name-hint = How the municipality appears in the portal, for example “Stadt Werther”.
municipality-slug = Address in the portal
municipality-slug-hint = Lowercase letters, digits and hyphens, for example heringen-helme: the services are then at /heringen-helme/.
municipality-code = Code for reference numbers
municipality-code-hint = 2 to 5 letters, for example WER: reference numbers then read WER-2026-7K3QF2.
municipality-feedback_email = Email address for feedback on accessibility
municipality-feedback_email-hint = Every page of the municipality names it in the accessibility statement.
municipality-feedback_phone = Phone number for feedback on accessibility
municipality-feedback_phone-hint = As it is dialled, for example 0361 5550-101.
municipality-town_hall_address = Address of the administration
municipality-town_hall_address-hint = One line of the address per line.
municipality-imprint_url = Imprint
municipality-imprint_url-hint = Address of the page, starting with https://. Optional.
municipality-privacy_url = Privacy notice
municipality-privacy_url-hint = Address of the page, starting with https://. Optional.
municipality-accent_colour = Accent colour
municipality-accent_colour-hint = As #rrggbb, for example #0b5c3a. White text on it needs a contrast of at least 4.5 to 1. Empty: the portal's blue.
municipality-accessibility_reviewed_on = Last accessibility review
municipality-accessibility_reviewed_on-hint = A date, for example 02.11.2026. Optional.
municipality-slug-invalid = The address may contain only lowercase letters (no umlauts), digits and single hyphens, and must be 2 to 40 characters long.
municipality-slug-reserved = The portal uses this address itself. Choose another one.
municipality-slug-taken = Another municipality has this address already. Choose another one.
municipality-code-invalid = The code consists of 2 to 5 letters from A to Z, without umlauts or digits.
municipality-code-taken = Another municipality has this code already. Choose another one.
municipality-url-invalid = Enter the address of a web page, starting with https://.
municipality-colour-invalid = Enter the colour as # and six hexadecimal digits, for example #0b5c3a.
municipality-colour-contrast = White text on this colour has a contrast of only { $ratio } to 1. At least 4.5 to 1 is needed: choose a darker colour.
