package ru.rosdistant.gateway.files;

/** Every upload slot of this node is taken; worth trying again shortly. */
public class NoUploadSlotException extends RuntimeException {

    public NoUploadSlotException(int slots) {
        super("The gateway receives " + slots + " uploads at once and all are under way; try again shortly", null,
                false, false);
    }
}
