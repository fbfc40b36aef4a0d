package ru.rosdistant.gateway.card;

import java.util.List;

/** The card statuses the console offers in its list; a status may also be any other short text. */
public final class CardStatuses {

    /** A transfer student's way (regulation 4.5): 1.1 → 1.2 → 1.3, then «Студент» or «Выбыл». */
    public static final List<String> TRANSFER = List.of("Вносит сведения (1.1)", "Проверка документов (1.2)",
            "Проверка документов ПК (1.3)", "Студент", "Выбыл");

    /** The person's kind as the console offers it: a lead, or a contact of one of the types. */
    public static final List<String> KINDS = List.of("LEAD", "APPLICANT", "STUDENT", "PARTNER", "OTHER");

    private CardStatuses() {
    }
}
