package ru.rosdistant.gateway.files;

/** Every upload slot of this node is taken; worth trying again shortly. */
public class NoUploadSlotException extends RuntimeException {

    NoUploadSlotException(String detail) {
        super(detail, null, false, false);
    }
}
