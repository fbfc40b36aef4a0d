package ru.rosdistant.gateway.agent;

/** An administrator tried to disable their own account or drop their own ADMIN role. */
class SelfLockoutException extends RuntimeException {

    SelfLockoutException() {
        super("You cannot disable your own account or take away your own ADMIN role");
    }
}
