package ru.rosdistant.gateway.task;

class TaskForbiddenException extends RuntimeException {

    TaskForbiddenException(String message) {
        super(message);
    }
}
