export interface Person {
  /** Mail address without `mailto:`. */
  readonly email: string;
  readonly name?: string;
}

export type ParticipationStatus = 'needs-action' | 'accepted' | 'declined' | 'tentative' | 'delegated';
export type AttendeeRole = 'chair' | 'required' | 'optional' | 'non-participant';

export interface Attendee extends Person {
  readonly role: AttendeeRole;
  readonly status: ParticipationStatus;
  readonly rsvp?: boolean;
  /** Rooms and equipment are attendees in both worlds (CUTYPE=ROOM, Exchange Resources). */
  readonly kind?: 'individual' | 'group' | 'resource' | 'room';
}
