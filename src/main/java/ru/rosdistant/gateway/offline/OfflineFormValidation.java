package ru.rosdistant.gateway.offline;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;

import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validator;

import org.springframework.boot.context.event.ApplicationStartedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/** Checks a form against its constraints and turns the violations into field → message. */
@Component
class OfflineFormValidation {

    private final Validator validator;

    OfflineFormValidation(Validator validator) {
        this.validator = validator;
    }

    /** @throws InvalidOfflineForm when any field is wrong */
    OfflineFormRequest check(OfflineFormRequest form) {
        Map<String, String> errors = new LinkedHashMap<>();
        validator.validate(form)
                .stream()
                .sorted(Comparator.comparing((ConstraintViolation<OfflineFormRequest> violation) -> violation
                        .getPropertyPath()
                        .toString()).thenComparing(ConstraintViolation::getMessage))
                .forEach(violation -> errors.putIfAbsent(violation.getPropertyPath().toString(),
                        violation.getMessage()));
        if (!errors.isEmpty()) {
            throw new InvalidOfflineForm(errors);
        }
        return form;
    }

    /**
     * Validates two forms at start-up, so that the validators, their message bundles and libphonenumber are
     * loaded here and not on the first request's event loop.
     */
    @EventListener(ApplicationStartedEvent.class)
    void warmUp() {
        validator.validate(new OfflineFormRequest("", "\u0001", "not-an-email", "12", "", false, null, null, null));
        validator.validate(new OfflineFormRequest("main", "Иван", "ivan@example.com", "8 (927) 123-45-67", "Вопрос",
                true, null, null, null));
    }
}
