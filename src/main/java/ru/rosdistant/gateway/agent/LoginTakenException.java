package ru.rosdistant.gateway.agent;

public class LoginTakenException extends RuntimeException {

    public LoginTakenException(String login) {
        super("The login '" + login + "' is taken");
    }
}
