package ru.rosdistant.gateway.card;

public enum ContactType {
    APPLICANT, STUDENT, PARTNER, OTHER
}
