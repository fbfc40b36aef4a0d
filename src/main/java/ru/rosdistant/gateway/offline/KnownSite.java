package ru.rosdistant.gateway.offline;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.Payload;
import ru.rosdistant.gateway.site.Sites;

/** The id of a configured site; null is left to {@code @NotBlank}. */
@Target(ElementType.FIELD)
@Retention(RetentionPolicy.RUNTIME)
@Constraint(validatedBy = KnownSite.Validator.class)
@interface KnownSite {

    String message() default "Неизвестный сайт";

    Class<?>[] groups() default {};

    Class<? extends Payload>[] payload() default {};

    class Validator implements ConstraintValidator<KnownSite, String> {

        private final Sites sites;

        Validator(Sites sites) {
            this.sites = sites;
        }

        @Override
        public boolean isValid(String value, ConstraintValidatorContext context) {
            return value == null || value.isBlank() || sites.site(value).isPresent();
        }
    }
}
