## Emails: the office's copy of a case, the citizen's confirmation and status changes.
mail-office-subject = New application { $reference }: { $service }
mail-office-intro = An application came in through the citizen portal.

    Reference: { $reference }
    Service: { $service }
    Municipality: { $municipality }

    The application is attached as PDF and as JSON, and so are the uploaded files.
mail-office-paid = Fee: €{ $amount } (paid)
mail-office-open = Fee: €{ $amount } (still open)
mail-office-key = Delivery key (the same on a repeated delivery): { $key }
mail-confirmation-subject = Your application { $reference } has been received
mail-confirmation-body = Hello,

    your application “{ $service }” to { $municipality } has been received in full.

    Your reference: { $reference }

    Please quote it in any enquiry. You can follow your application under “My applications”: { $link }

    If a fee was paid, the receipt is attached.

    This message was sent automatically.
mail-status-subject = News about your application { $reference }
mail-status-body = Hello,

    your application “{ $service }” to { $municipality } (reference { $reference }) has a new status: { $status }

    { $note }

    You can follow your application under “My applications”: { $link }

    This message was sent automatically.
