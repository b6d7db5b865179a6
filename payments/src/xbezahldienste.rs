//! XBezahldienste (ePayBL, pmPayment): the government payment platforms' REST interface.
