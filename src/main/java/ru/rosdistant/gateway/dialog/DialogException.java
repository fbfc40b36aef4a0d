package ru.rosdistant.gateway.dialog;

/** A dialog operation that could not be done; {@link Reason} says why, in terms a client can act on. */
public class DialogException extends RuntimeException {

    public enum Reason {
        UNKNOWN_DIALOG(false), FORBIDDEN(false), DIALOG_CLOSED(false), STORAGE_UNAVAILABLE(true);

        private final boolean retryable;

        Reason(boolean retryable) {
            this.retryable = retryable;
        }

        public boolean retryable() {
            return retryable;
        }
    }

    private final Reason reason;

    public DialogException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public DialogException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
