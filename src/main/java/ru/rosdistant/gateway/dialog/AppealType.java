package ru.rosdistant.gateway.dialog;

/** The regulation's four kinds of appeal; every dialog an agent closes is one of them. */
public enum AppealType {
    CONSULTATION, SERVICE_REQUEST, COMPLAINT, CHANGE_REQUEST;

    /** Service and change requests and complaints are registered in the ticket desk under a number. */
    public boolean needsRequestNumber() {
        return this != CONSULTATION;
    }
}
