package ru.rosdistant.gateway.report;

import java.time.LocalDate;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The dialog figures of one group ({@code key}, shown as {@code label}) in one bucket of the period (the day, the
 * Monday of the week, the first of the month, or the period's first day). Times are whole seconds, null when no
 * dialog had one. {@code ratings} counts the ratings 1 to 5. See docs/reports.md for each definition.
 */
public record DialogFigures(String key, String label, LocalDate bucket, long offered, long answered, long abandoned,
        long missed, long outOfHours, long waiting, Long waitP50, Long waitP90, Long waitMax, Long firstResponseP50,
        Long firstResponseP90, Long firstResponseMax, Long handleP50, Long handleAvg, Double messagesAvg, long rated,
        Double ratingAvg, List<Long> ratings, long ratingComments, long consultations, long serviceRequests,
        long complaints, long changeRequests, long complaintsToMarketingDirector,
        long complaintsToHeadOfStudentAffairs) {

    /** Rated dialogs among the answered ones, 0 to 1; null when none was answered. */
    @JsonProperty
    public Double ratedShare() {
        return answered == 0 ? null : (double) rated / answered;
    }
}
