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

## The case page's delivery section and the admins' list of deliveries given up.
delivery-title = Forwarding
delivery-none = No forwarding is set up for this service.
delivery-note = Latest message to the applicant:
delivery-col-target = Target
delivery-col-state = State
delivery-col-attempts = Tries
delivery-col-done = Delivered on
delivery-col-message = Last message
delivery-col-key = Delivery key
delivery-col-case = Application
delivery-kind-webhook = Webhook
delivery-kind-email = Email
delivery-kind-fit-connect = FIT-Connect
delivery-kind-file-drop = File drop
delivery-kind-pull-api = Pull API
delivery-citizen-mail = Email to the applicant
delivery-state-done = Delivered
delivery-state-dead = Given up
delivery-state-queued = Queued
delivery-state-retry = Failed, next try
delivery-state-waiting-pull = Waiting to be fetched
delivery-retry = Try again
delivery-dead-title = Deliveries given up
delivery-dead-intro = These deliveries were given up after too many failed tries or a final refusal. Fix the cause (such as the address or key in the configuration) and try again.
delivery-dead-none = No deliveries given up.
delivery-dead-link = Deliveries given up
event-delivered = Delivered
event-forwarded = Forwarded
event-delivery-dead = Delivery given up
event-status = New status
