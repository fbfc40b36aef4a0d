package ru.rosdistant.gateway.routing;

/** The offer an agent answered is no longer open: someone else took the dialog, or it expired. */
public class OfferGoneException extends RuntimeException {

    public OfferGoneException() {
        this("The dialog is no longer offered to you");
    }

    public OfferGoneException(String message) {
        super(message, null, false, false);
    }
}
