package ru.rosdistant.gateway.outbox;

/** A delivery that will never succeed however often it is tried (a malformed address, a rejected payload). */
public class PermanentDeliveryFailure extends RuntimeException {

    public PermanentDeliveryFailure(String message) {
        super(message);
    }

    public PermanentDeliveryFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
