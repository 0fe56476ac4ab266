import type { Sensitivity as ModelSensitivity } from '@exsync/core';
import { Importance, Sensitivity } from 'ews-javascript-api';

/** iCalendar priority of an EWS importance name: High is 1, Low is 9, Normal leaves priority unset. */
export function priorityOf(importance: string | undefined): number | undefined {
  return importance === 'High' ? 1 : importance === 'Low' ? 9 : undefined;
}

/** EWS importance of an iCalendar priority: 1-4 High, 6-9 Low, unset/0/5 Normal. */
export function importanceOf(priority: number | undefined): Importance {
  if (priority === undefined || priority === 0 || priority === 5) return Importance.Normal;
  return priority < 5 ? Importance.High : Importance.Low;
}

/** Model sensitivity of an EWS sensitivity name; Personal has no iCalendar class of its own, so it is private. */
export function sensitivityOf(name: string | undefined): ModelSensitivity | undefined {
  return name === 'Private' || name === 'Personal' ? 'private' : name === 'Confidential' ? 'confidential' : undefined;
}

/** EWS sensitivity of a model sensitivity; public and unset are Normal. */
export function ewsSensitivityOf(sensitivity: ModelSensitivity | undefined): Sensitivity {
  return sensitivity === 'private'
    ? Sensitivity.Private
    : sensitivity === 'confidential'
      ? Sensitivity.Confidential
      : Sensitivity.Normal;
}
