# The multi-step journey: step navigation, check your answers, declaration.
journey-step-of = Step { $number } of { $total }
journey-continue = Continue
journey-continue-check = Continue to the summary
journey-back = Back
journey-back-keep = Back to the previous step
check-title = Check your answers and submit
check-intro = Check your answers before you submit the application. “Change” takes you to the place in the form, and then back here.
check-change = Change
check-not-given = Not given
check-declaration-title = Declaration
check-declaration-default = I confirm that my information is complete and true.
check-declaration-missing = Confirm the declaration to submit the application.
draft-saved-continue = Continue now
draft-unknown-title = Application not found
draft-unknown-text = This application is not open in this browser. It has been submitted, has expired, or was opened in another browser with its resume link. Open it here again with your resume link.

## Repeating groups (one row per dog, per person, ...)
group-row = Entry
group-add = Add another entry
group-remove = Remove { $row }

## File uploads
file-limits = Allowed: { $types }; at most { $max } MB per file{ $count ->
    [1] {""}
   *[other] , up to { $count } files
}.
file-uploaded = Uploaded:
file-remove = Remove
