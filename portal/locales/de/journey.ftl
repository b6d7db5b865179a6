# The multi-step journey: step navigation, check your answers, declaration.
