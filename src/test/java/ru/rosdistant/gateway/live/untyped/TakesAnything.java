package ru.rosdistant.gateway.live.untyped;

import java.util.function.Consumer;

/** Takes events as {@code Object}s: what {@code ArchitectureTests.theLiveModulesTakeTypedEvents} must find. */
public class TakesAnything {

    public void deliver(Object event) {
    }

    public void follow(Consumer<Object> listener) {
    }

    void sendsAFrame(String frame) {
    }
}
