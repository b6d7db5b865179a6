## Online payment of fees

payment-title = Pay the fee
payment-intro = Your application is saved. We will process it once the fee is paid.
payment-intro-later = Your application has been received. The fee is still open; you can pay it here.
payment-reference = Reference
payment-service = Service
payment-amount = Amount
payment-items = Breakdown
payment-start = Pay now
payment-retry = Pay again
payment-go = Continue to the payment page
payment-go-hint = You leave the portal for this and pay on the payment service's page. Afterwards you come back here.
payment-check = Check payment status
payment-later-link = Pay later and go to the confirmation
payment-back = Back to payment
payment-unavailable = The payment service cannot be reached right now. Your application is saved and nothing was charged. Please try again in a few minutes.
payment-not-possible = Online payment is not possible right now. Your application is saved. Please contact the administration.
payment-failed = The payment failed. Nothing was charged. You can try again without filling in the form again.
payment-cancelled = You cancelled the payment. You can pay at any time without filling in the form again.
payment-expired = The time for this payment has run out. You can pay again without filling in the form again.
payment-pending-title = Checking your payment
payment-pending-text = The payment service has not confirmed the payment yet. This can take a few minutes, for direct debit a few days. You need not do anything.
payment-pending-unreachable = The payment service cannot be reached right now, so we do not know the state of your payment yet. Please check again in a few minutes.
payment-pending-reference = Your reference: { $reference }
check-fee-due = To pay: { $amount }
check-fee-next = After submitting you pay the fee online.
check-fee-later = You can pay the fee online after submitting, or later.

## The demo's simulated payment provider

sim-title = Simulated payment page
sim-banner = Simulation: this is not a real payment. No money moves.
sim-for = Payment for
sim-decided = This payment has already been decided.
sim-pay = Payment succeeds
sim-fail = Payment fails
sim-cancel = Cancel payment

## Clerk: payment section of a case

pay-title = Payment
pay-summary-paid = Paid: { $amount }
pay-summary-open = The fee has not been paid yet. The application counts as received once it is paid.
pay-summary-later = The fee is still open (payment after submission allowed).
pay-attempts = Payment attempts
pay-col-date = Started
pay-col-provider = Payment service
pay-col-reference = Reference
pay-col-kassenzeichen = Cash reference (Kassenzeichen)
pay-col-method = Method
pay-col-amount = Amount
pay-col-state = State
pay-col-refunded = Refunded
pay-refund-due = (paid twice: to be refunded)
pay-refundable = refundable
pay-refund-title = Refund
pay-refund-via-provider = The refund goes back to the payment source through the payment service.
pay-refund-via-cash-office = This payment service has no refunds: the cash office pays the amount out; it is recorded here.
pay-refund-attempt = Payment
pay-refund-amount = Amount in euros
pay-refund-reason = Reason
pay-refund-submit = Book refund
pay-refund-error-amount = Please enter an amount above 0, for example 12.50, and choose a paid payment.
pay-refund-error-reason = Please give a reason (at most 500 characters).
pay-refund-error-too-much = The amount is more than can still be refunded of this payment.
pay-refund-error-provider = The payment service did not carry out the refund. Nothing was refunded; please try again later.
pay-timeline = History
pay-state-created = created
pay-state-pending = open
pay-state-paid = paid
pay-state-failed = failed
pay-state-cancelled = cancelled
pay-state-expired = expired
pay-state-partially-refunded = partly refunded
pay-state-refunded = refunded
event-submitted = Application submitted
event-completed = Application complete
event-payment-started = Payment started
event-payment-pending = Payment open
event-payment-paid = Payment confirmed
event-payment-failed = Payment failed
event-payment-cancelled = Payment cancelled
event-payment-expired = Payment expired
event-payment-partially-refunded = partly refunded
event-payment-refunded = refunded
event-payment-created = Payment created
event-payment-refund-due = paid twice, to be refunded
event-refund-requested = Refund ordered
event-refund-done = Refund carried out
event-refund-failed = Refund failed

## Receipt (PDF) and confirmation

receipt-title = Payment receipt
receipt-reference = Reference
receipt-service = Service
receipt-paid-at = Paid on
receipt-method = Payment method
receipt-kassenzeichen = Cash reference (Kassenzeichen)
receipt-provider-reference = Payment reference
receipt-fees = Fees
receipt-description = Description
receipt-quantity = Quantity
receipt-unit-amount = Unit amount
receipt-amount = Amount
receipt-total = Total
receipt-demo-note = Demo: this is not a real receipt. No money was paid.
receipt-download = Download the payment receipt (PDF)
confirmation-paid = The fee of { $amount } is paid.
confirmation-fee-open = The fee of { $amount } is still open.
confirmation-pay-now = Pay the fee now

## Cash office export

cash-office-title = Cash office export
cash-office-day = Day of the payments
cash-office-csv = Download as CSV
cash-office-refunds = Refunds as CSV
cash-office-json = Download as JSON
cash-office-bad-day = Please give the day as a date, for example 2026-11-27.
mine-receipt = Payment receipt (PDF)
mine-pay = Pay the fee

## Inbox views

inbox-views = Views
inbox-view-complete = Received
inbox-view-awaiting = Awaiting payment ({ $count })
check-fee-problem-title = The application cannot be submitted like this
check-fee-invalid = The fee cannot be worked out from your answers. Please check the answers the fee depends on (for example the number of years). Your answers are saved.
check-fee-no-provider = Online payment is not set up for this service here yet. Your answers are saved; please contact the administration.
pay-refund-error-pending = The payment service has not confirmed a refund yet. It is noted and already counts as booked; the next try asks about it again instead of refunding twice.
