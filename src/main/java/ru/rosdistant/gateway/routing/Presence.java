package ru.rosdistant.gateway.routing;

public enum Presence {
    ONLINE, AWAY, OFFLINE
}
