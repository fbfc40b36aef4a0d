package ru.rosdistant.gateway.offline;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.Payload;

/** A form needs a way to answer: an e-mail, a phone, or both. Reported on both fields, as a form shows it. */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Constraint(validatedBy = EmailOrPhone.Validator.class)
@interface EmailOrPhone {

    String message() default "Укажите e-mail или телефон";

    Class<?>[] groups() default {};

    Class<? extends Payload>[] payload() default {};

    class Validator implements ConstraintValidator<EmailOrPhone, OfflineFormRequest> {

        @Override
        public boolean isValid(OfflineFormRequest form, ConstraintValidatorContext context) {
            if (form == null || given(form.email()) || given(form.phone())) {
                return true;
            }
            context.disableDefaultConstraintViolation();
            String message = context.getDefaultConstraintMessageTemplate();
            context.buildConstraintViolationWithTemplate(message).addPropertyNode("email").addConstraintViolation();
            context.buildConstraintViolationWithTemplate(message).addPropertyNode("phone").addConstraintViolation();
            return false;
        }

        private static boolean given(String value) {
            return value != null && !value.isBlank();
        }
    }
}
