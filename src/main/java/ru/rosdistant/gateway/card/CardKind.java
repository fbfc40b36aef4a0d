package ru.rosdistant.gateway.card;

/** A lead is not yet known to be an applicant, a student or a partner; a contact is. */
public enum CardKind {
    LEAD, CONTACT
}
