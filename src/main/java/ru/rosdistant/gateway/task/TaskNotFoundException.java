package ru.rosdistant.gateway.task;

import java.util.UUID;

class TaskNotFoundException extends RuntimeException {

    TaskNotFoundException(UUID id) {
        super("No task " + id);
    }
}
