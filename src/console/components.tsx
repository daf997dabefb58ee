import type { Child } from 'hono/jsx';

/**
 * A labelled input with its hint and an (empty, hidden) error line the browser code fills: the
 * input names both in `aria-describedby`, so a screen reader reads the hint and the error.
 */
export function Field(props: {
  id: string;
  name: string;
  label: string;
  type?: 'email' | 'password' | 'text';
  autocomplete?: string;
  hint?: string;
  required?: boolean;
  inputmode?: 'text' | 'numeric' | 'email';
  pattern?: string;
  maxlength?: number;
}) {
  const described = [props.hint ? `${props.id}-hint` : null, `${props.id}-error`].filter(Boolean).join(' ');
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      {props.hint ? (
        <p class="hint" id={`${props.id}-hint`}>
          {props.hint}
        </p>
      ) : null}
      <input
        id={props.id}
        name={props.name}
        type={props.type ?? 'text'}
        autocomplete={props.autocomplete}
        required={props.required ?? true}
        inputmode={props.inputmode}
        pattern={props.pattern}
        maxlength={props.maxlength}
        aria-describedby={described}
        spellcheck={false}
      />
      <p class="field-error" id={`${props.id}-error`} hidden />
    </div>
  );
}

/** A section of a page with its heading, tied together for assistive technology. */
export function Section(props: { id: string; title: string; children?: Child; hidden?: boolean }) {
  return (
    <section id={props.id} aria-labelledby={`${props.id}-title`} hidden={props.hidden}>
      <h2 id={`${props.id}-title`}>{props.title}</h2>
      {props.children}
    </section>
  );
}
