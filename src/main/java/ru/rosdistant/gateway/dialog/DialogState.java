package ru.rosdistant.gateway.dialog;

public enum DialogState {
    WAITING, ASSIGNED, CLOSED
}
