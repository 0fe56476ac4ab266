/**
 * Our marker on Exchange items: one MAPI named property, seen by EWS as
 * `ExtendedFieldURI PropertySetId=… PropertyName=ExsyncId PropertyType=String` and by Graph as the
 * single-value extended property `String {…} Name ExsyncId`. One property for both protocols, so a mailbox moved
 * from on-premises to Exchange Online keeps its links (exchange.md §0.5).
 */
export const EXSYNC_MARKER_PROPERTY_SET = '6e5f2c1a-8b0d-4f63-9a57-3c2d1e0f4b7a';
export const EXSYNC_MARKER_PROPERTY_NAME = 'ExsyncId';
/** The Graph id of the same property. */
export const EXSYNC_MARKER_GRAPH_ID = `String {${EXSYNC_MARKER_PROPERTY_SET}} Name ${EXSYNC_MARKER_PROPERTY_NAME}`;
