# Field types beyond the basic inputs (IBAN, yes/no, consent, file upload).

# Yes/no questions (yes_no): the two answers.
field-yes = Yes
field-no = No

# A consent (consent) that is needed but not ticked.
error-required-consent = Tick the box under “{ $label }” to give your consent. You cannot apply without it.

# IBAN
error-invalid-iban = Enter “{ $label }” as an IBAN, starting with the country code, like DE89 3704 0044 0532 0130 00.
error-iban-length = “{ $label }” has the wrong length: an IBAN from this country has { $length } characters.
error-iban-checksum = “{ $label }” is not a valid IBAN. Check it for typing mistakes.
