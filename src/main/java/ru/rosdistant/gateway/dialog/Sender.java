package ru.rosdistant.gateway.dialog;

public enum Sender {
    VISITOR, AGENT, SYSTEM
}
