# Field types beyond the basic inputs (IBAN, yes/no, consent, file upload).
