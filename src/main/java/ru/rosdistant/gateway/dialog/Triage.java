package ru.rosdistant.gateway.dialog;

/** The dispatcher's decision on a main-site dialog (regulation 4.3, 1). */
public enum Triage {
    SPAM, PARTNER, APPLICANT, STUDENT
}
