import { describe, expect, it } from 'vitest';
import { Directory } from './directory';

const mailbox = (smtpAddress: string) => ({ smtpAddress, userPrincipalName: smtpAddress, id: `id-${smtpAddress}` });

describe('Directory: who may reach which mailbox', () => {
  it('lets a service account impersonate the mailboxes on its list, in any case, and no others', () => {
    const directory = new Directory('tenant');
    const account = directory.addServiceAccount({
      username: 'svc',
      password: 'p',
      impersonation: ['Alice@Contoso.com', 'id-bob@contoso.com'],
    });
    expect(directory.mayImpersonate(account, mailbox('alice@contoso.com'))).toBe(true);
    expect(directory.mayImpersonate(account, mailbox('bob@contoso.com'))).toBe(true);
    expect(directory.mayImpersonate(account, mailbox('carol@contoso.com'))).toBe(false);
  });

  it('sees a name added to a list after it was first checked (the lower-cased names are kept per list)', () => {
    const directory = new Directory('tenant');
    const list = ['alice@contoso.com'];
    const account = directory.addServiceAccount({ username: 'svc', password: 'p', impersonation: list });
    expect(directory.mayImpersonate(account, mailbox('carol@contoso.com'))).toBe(false);
    list.push('CAROL@contoso.com');
    expect(directory.mayImpersonate(account, mailbox('carol@contoso.com'))).toBe(true);
    const app = directory.addApp({ clientId: 'app', allowedMailboxes: ['alice@contoso.com'] });
    expect(directory.appMayAccess(app, mailbox('carol@contoso.com'))).toBe(false);
    app.allowedMailboxes = ['carol@contoso.com'];
    expect(directory.appMayAccess(app, mailbox('carol@contoso.com'))).toBe(true);
    expect(directory.appMayAccess(app, mailbox('alice@contoso.com'))).toBe(false);
  });
});
