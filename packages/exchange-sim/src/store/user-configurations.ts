/**
 * User configuration objects: named settings a client keeps on a folder (in Exchange, a folder-associated message
 * of class IPM.Configuration.<name>), holding a dictionary of typed entries, an XML stream and a binary stream.
 * The EWS operations Get/Create/Update/DeleteUserConfiguration read and write them; every mailbox's root folder
 * has OWA.UserOptions (Outlook on the web's settings), as a mailbox that has signed in to it once does.
 * https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/userconfiguration
 */
import type { Folder } from './types';

/** One side of a dictionary entry: its type (types.xsd UserConfigurationDictionaryObjectTypesType) and values. */
export interface DictionaryObject {
  readonly type: string;
  /** One value, or several for StringArray. */
  readonly values: readonly string[];
}

export interface DictionaryEntry {
  readonly key: DictionaryObject;
  /** Absent: the key maps to null. */
  readonly value?: DictionaryObject;
}

export interface UserConfiguration {
  readonly name: string;
  readonly folderKey: number;
  /** Item key of the configuration message (its ItemId). */
  readonly key: number;
  /** Grows with every write (the ChangeKey of its ItemId). */
  version: number;
  dictionary: DictionaryEntry[];
  /** base64, as EWS carries them. */
  xmlData?: string;
  binaryData?: string;
}

/** The parts of a configuration a Create or Update carries; an absent part is left alone. */
export interface UserConfigurationParts {
  readonly dictionary?: readonly DictionaryEntry[];
  readonly xmlData?: string;
  readonly binaryData?: string;
}

function sameObject(a: DictionaryObject, b: DictionaryObject): boolean {
  return a.type === b.type && a.values.length === b.values.length && a.values.every((v, i) => v === b.values[i]);
}

export class UserConfigurationError extends Error {
  constructor(
    readonly code: 'NotFound' | 'Exists',
    message: string,
  ) {
    super(message);
  }
}

/** Outlook on the web's options of a mailbox that has signed in to it once (the values DavMail reads). */
const OWA_USER_OPTIONS: DictionaryEntry[] = [
  ['timezone', 'UTC'],
  ['dateformat', 'yyyy-MM-dd'],
  ['timeformat', 'HH:mm'],
  ['weekstartday', '1'],
].map(([k, v]) => ({ key: { type: 'String', values: [k!] }, value: { type: 'String', values: [v!] } }));

/** A key no item uses (the top of the 48-bit key space), one per folder: ids of built-in configurations. */
const BUILT_IN_KEY_BASE = 2 ** 40;

export class UserConfigurations {
  private readonly byFolder = new Map<number, Map<string, UserConfiguration>>();
  /** Root folders whose built-in OWA.UserOptions was put in place (or deleted since). */
  private readonly seeded = new Set<number>();

  constructor(private readonly nextKey: () => number) {}

  private folderMap(folder: Folder): Map<string, UserConfiguration> {
    let m = this.byFolder.get(folder.key);
    if (!m) {
      m = new Map();
      this.byFolder.set(folder.key, m);
    }
    if (folder.kind === 'root' && !this.seeded.has(folder.key)) {
      this.seeded.add(folder.key);
      m.set('OWA.UserOptions', {
        name: 'OWA.UserOptions',
        folderKey: folder.key,
        key: BUILT_IN_KEY_BASE + folder.key,
        version: 1,
        dictionary: OWA_USER_OPTIONS.map((e) => ({ ...e })),
      });
    }
    return m;
  }

  get(folder: Folder, name: string): UserConfiguration {
    const c = this.folderMap(folder).get(name);
    if (!c) throw new UserConfigurationError('NotFound', 'The specified object was not found in the store.');
    return c;
  }

  create(folder: Folder, name: string, parts: UserConfigurationParts): UserConfiguration {
    const m = this.folderMap(folder);
    if (m.has(name)) throw new UserConfigurationError('Exists', 'The user configuration object already exists.');
    const c: UserConfiguration = {
      name,
      folderKey: folder.key,
      key: this.nextKey(),
      version: 1,
      dictionary: [...(parts.dictionary ?? [])],
      ...(parts.xmlData !== undefined ? { xmlData: parts.xmlData } : {}),
      ...(parts.binaryData !== undefined ? { binaryData: parts.binaryData } : {}),
    };
    m.set(name, c);
    return c;
  }

  /**
   * Applies an update as Exchange does: each dictionary entry it carries sets that key (added when new; keys it
   * does not name stay), the XML and binary streams it carries replace the stored ones, parts it leaves out stay.
   */
  update(folder: Folder, name: string, parts: UserConfigurationParts): UserConfiguration {
    const c = this.get(folder, name);
    for (const e of parts.dictionary ?? []) {
      const i = c.dictionary.findIndex((d) => sameObject(d.key, e.key));
      if (i >= 0) c.dictionary[i] = e;
      else c.dictionary.push(e);
    }
    if (parts.xmlData !== undefined) c.xmlData = parts.xmlData;
    if (parts.binaryData !== undefined) c.binaryData = parts.binaryData;
    c.version++;
    return c;
  }

  delete(folder: Folder, name: string): void {
    const m = this.folderMap(folder);
    if (!m.delete(name)) {
      throw new UserConfigurationError('NotFound', 'The specified object was not found in the store.');
    }
  }
}
