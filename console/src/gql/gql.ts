/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  mutation Refresh($refreshToken: String!) {\n    refreshToken(refreshToken: $refreshToken) {\n      accessToken\n      refreshToken\n      expiresIn\n    }\n  }\n": typeof types.RefreshDocument,
    "\n  fragment Tokens on AuthPayload {\n    accessToken\n    refreshToken\n    expiresIn\n  }\n": typeof types.TokensFragmentDoc,
    "\n  fragment Viewer on User {\n    id\n    email\n    emailVerified\n    fullName\n    role\n    isAdmin\n    mfaEnabled\n    hasPassword\n    permissions {\n      codename\n    }\n    ...ProfileFields\n  }\n": typeof types.ViewerFragmentDoc,
    "\n  query Me {\n    me {\n      ...Viewer\n    }\n  }\n": typeof types.MeDocument,
    "\n  fragment EventSummary on AuditEvent {\n    id\n    occurredAt\n    action\n    ipAddress\n    details\n    actor {\n      email\n    }\n  }\n": typeof types.EventSummaryFragmentDoc,
    "\n  fragment NextPage on PageInfo {\n    hasNextPage\n    endCursor\n  }\n": typeof types.NextPageFragmentDoc,
    "\n  fragment ProfileFields on User {\n    email\n    username\n    firstName\n    lastName\n    phoneNumber\n    company\n    designation\n    address\n  }\n": typeof types.ProfileFieldsFragmentDoc,
    "\n  query MyActivity($after: String) {\n    myAuditEvents(first: 20, after: $after) {\n      nodes {\n        ...EventSummary\n      }\n      pageInfo {\n        ...NextPage\n      }\n    }\n  }\n": typeof types.MyActivityDocument,
    "\n  mutation ChangePassword($currentPassword: String!, $newPassword: String!) {\n    changePassword(currentPassword: $currentPassword, newPassword: $newPassword) {\n      ...Tokens\n    }\n  }\n": typeof types.ChangePasswordDocument,
    "\n  mutation DeleteAccount($password: String!) {\n    deleteAccount(password: $password)\n  }\n": typeof types.DeleteAccountDocument,
    "\n  mutation UpdateProfile($input: UpdateProfileInput!) {\n    updateProfile(input: $input) {\n      ...Viewer\n    }\n  }\n": typeof types.UpdateProfileDocument,
    "\n  mutation SendVerificationEmail {\n    sendVerificationEmail\n  }\n": typeof types.SendVerificationEmailDocument,
    "\n  query AuditEvents($first: Int, $after: String, $filter: AuditEventFilter) {\n    auditEvents(first: $first, after: $after, filter: $filter) {\n      totalCount\n      nodes {\n        id\n        occurredAt\n        action\n        actorId\n        userId\n        ipAddress\n        details\n        actor {\n          email\n        }\n        user {\n          email\n        }\n      }\n      pageInfo {\n        ...NextPage\n      }\n    }\n  }\n": typeof types.AuditEventsDocument,
    "\n  mutation RequestPasswordReset($email: String!) {\n    requestPasswordReset(email: $email)\n  }\n": typeof types.RequestPasswordResetDocument,
    "\n  mutation Register($input: RegisterInput!) {\n    register(input: $input) {\n      ...Tokens\n    }\n  }\n": typeof types.RegisterDocument,
    "\n  mutation CompletePasswordReset($token: String!, $newPassword: String!) {\n    completePasswordReset(token: $token, newPassword: $newPassword) {\n      __typename\n      ... on AuthPayload {\n        ...Tokens\n      }\n      ... on SecondFactorRequired {\n        ...Challenge\n      }\n    }\n  }\n": typeof types.CompletePasswordResetDocument,
    "\n  fragment Challenge on SecondFactorRequired {\n    challengeToken\n    expiresAt\n    methods\n  }\n": typeof types.ChallengeFragmentDoc,
    "\n  mutation StartPasskeyChallenge($challengeToken: String!) {\n    startPasskeyChallenge(challengeToken: $challengeToken) {\n      ceremonyId\n      options\n    }\n  }\n": typeof types.StartPasskeyChallengeDocument,
    "\n  mutation VerifySecondFactor($challengeToken: String!, $input: SecondFactorInput!) {\n    verifySecondFactor(challengeToken: $challengeToken, input: $input) {\n      ...Tokens\n    }\n  }\n": typeof types.VerifySecondFactorDocument,
    "\n  mutation SignIn($input: LoginInput!) {\n    signIn(input: $input) {\n      __typename\n      ... on AuthPayload {\n        ...Tokens\n      }\n      ... on SecondFactorRequired {\n        ...Challenge\n      }\n    }\n  }\n": typeof types.SignInDocument,
    "\n  mutation VerifyEmail($token: String!) {\n    verifyEmail(token: $token)\n  }\n": typeof types.VerifyEmailDocument,
    "\n  mutation CreateGroup($input: GroupInput!) {\n    createGroup(input: $input) {\n      id\n    }\n  }\n": typeof types.CreateGroupDocument,
    "\n  fragment GroupForm on Group {\n    id\n    name\n    description\n    permissions {\n      id\n      codename\n    }\n  }\n": typeof types.GroupFormFragmentDoc,
    "\n  mutation UpdateGroup($id: ID!, $input: GroupInput!) {\n    updateGroup(id: $id, input: $input) {\n      id\n    }\n  }\n": typeof types.UpdateGroupDocument,
    "\n  fragment GroupMembers on Group {\n    id\n    name\n    memberCount\n    members(first: 50) @include(if: $members) {\n      nodes {\n        id\n        email\n        fullName\n      }\n    }\n  }\n": typeof types.GroupMembersFragmentDoc,
    "\n  mutation RemoveMember($userId: ID!, $groupId: ID!) {\n    removeUserFromGroup(userId: $userId, groupId: $groupId) {\n      id\n    }\n  }\n": typeof types.RemoveMemberDocument,
    "\n  query GroupDetail($id: ID!, $members: Boolean!, $permissions: Boolean!) {\n    group(id: $id) {\n      id\n      name\n      ...GroupForm\n      ...GroupMembers\n    }\n    permissions @include(if: $permissions) {\n      id\n      codename\n    }\n  }\n": typeof types.GroupDetailDocument,
    "\n  mutation DeleteGroup($id: ID!) {\n    deleteGroup(id: $id)\n  }\n": typeof types.DeleteGroupDocument,
    "\n  query Groups($search: String, $after: String) {\n    groups(first: 20, after: $after, search: $search) {\n      totalCount\n      nodes {\n        id\n        name\n        description\n        memberCount\n      }\n      pageInfo {\n        ...NextPage\n      }\n    }\n  }\n": typeof types.GroupsDocument,
    "\n  query IdentityProviders {\n    identityProviders {\n      id\n      slug\n      displayName\n      kind\n      enabled\n      allowSignUp\n      ...ProviderSettings\n    }\n  }\n": typeof types.IdentityProvidersDocument,
    "\n  mutation CreateIdentityProvider($input: IdentityProviderInput!) {\n    createIdentityProvider(input: $input) {\n      id\n      slug\n      displayName\n    }\n  }\n": typeof types.CreateIdentityProviderDocument,
    "\n  mutation UpdateIdentityProvider($id: ID!, $input: IdentityProviderInput!) {\n    updateIdentityProvider(id: $id, input: $input) {\n      id\n      displayName\n      ...ProviderSettings\n    }\n  }\n": typeof types.UpdateIdentityProviderDocument,
    "\n  mutation DeleteIdentityProvider($id: ID!) {\n    deleteIdentityProvider(id: $id)\n  }\n": typeof types.DeleteIdentityProviderDocument,
    "\n  fragment ProviderSettings on IdentityProvider {\n    id\n    slug\n    displayName\n    kind\n    issuer\n    clientId\n    scopes\n    allowedEmailDomains\n    allowSignUp\n    autoLinkVerifiedEmail\n    enabled\n  }\n": typeof types.ProviderSettingsFragmentDoc,
    "\n  fragment LinkRequired on AccountLinkRequired {\n    linkToken\n    email\n    expiresAt\n    provider {\n      slug\n      displayName\n    }\n  }\n": typeof types.LinkRequiredFragmentDoc,
    "\n  mutation CompleteOAuth($code: String!, $codeVerifier: String!) {\n    completeOAuth(code: $code, codeVerifier: $codeVerifier) {\n      __typename\n      ... on AuthPayload {\n        ...Tokens\n      }\n      ... on SecondFactorRequired {\n        ...Challenge\n      }\n      ... on AccountLinkRequired {\n        ...LinkRequired\n      }\n      ... on IdentityLinked {\n        identity {\n          id\n          provider {\n            slug\n          }\n        }\n      }\n    }\n  }\n": typeof types.CompleteOAuthDocument,
    "\n  query SignInMethods {\n    me {\n      id\n      hasPassword\n      identities {\n        id\n        provider {\n          slug\n          displayName\n          kind\n        }\n        email\n        linkedAt\n        lastUsedAt\n      }\n    }\n    signInProviders {\n      slug\n      displayName\n      kind\n    }\n  }\n": typeof types.SignInMethodsDocument,
    "\n  mutation UnlinkIdentity($id: ID!) {\n    unlinkIdentity(id: $id)\n  }\n": typeof types.UnlinkIdentityDocument,
    "\n  mutation SetPassword($newPassword: String!) {\n    setPassword(newPassword: $newPassword) {\n      ...Tokens\n    }\n  }\n": typeof types.SetPasswordDocument,
    "\n  query SignInProviders {\n    signInProviders {\n      slug\n      displayName\n      kind\n    }\n  }\n": typeof types.SignInProvidersDocument,
    "\n  mutation StartOAuth($input: StartOAuthInput!) {\n    startOAuth(input: $input) {\n      authorizationUrl\n      expiresAt\n    }\n  }\n": typeof types.StartOAuthDocument,
    "\n  mutation StartPasskeySignIn($login: String) {\n    startPasskeySignIn(login: $login) {\n      ceremonyId\n      options\n    }\n  }\n": typeof types.StartPasskeySignInDocument,
    "\n  mutation FinishPasskeySignIn($ceremonyId: ID!, $credential: JSON!) {\n    finishPasskeySignIn(ceremonyId: $ceremonyId, credential: $credential) {\n      ...Tokens\n    }\n  }\n": typeof types.FinishPasskeySignInDocument,
    "\n  query Passkeys {\n    me {\n      id\n      passkeys {\n        id\n        label\n        createdAt\n        lastUsedAt\n        backupEligible\n        backedUp\n      }\n    }\n  }\n": typeof types.PasskeysDocument,
    "\n  mutation StartPasskeyRegistration {\n    startPasskeyRegistration {\n      ceremonyId\n      options\n    }\n  }\n": typeof types.StartPasskeyRegistrationDocument,
    "\n  mutation FinishPasskeyRegistration($ceremonyId: ID!, $credential: JSON!, $label: String) {\n    finishPasskeyRegistration(ceremonyId: $ceremonyId, credential: $credential, label: $label) {\n      id\n      label\n    }\n  }\n": typeof types.FinishPasskeyRegistrationDocument,
    "\n  mutation RenamePasskey($id: ID!, $label: String!) {\n    renamePasskey(id: $id, label: $label) {\n      id\n      label\n    }\n  }\n": typeof types.RenamePasskeyDocument,
    "\n  mutation DeletePasskey($id: ID!) {\n    deletePasskey(id: $id)\n  }\n": typeof types.DeletePasskeyDocument,
    "\n  mutation CreatePermission($input: PermissionInput!) {\n    createPermission(input: $input) {\n      id\n    }\n  }\n": typeof types.CreatePermissionDocument,
    "\n  query Permissions {\n    permissions {\n      id\n      codename\n      name\n      description\n    }\n  }\n": typeof types.PermissionsDocument,
    "\n  mutation DeletePermission($id: ID!) {\n    deletePermission(id: $id)\n  }\n": typeof types.DeletePermissionDocument,
    "\n  query MySessions {\n    mySessions {\n      id\n      lastUsedAt\n      userAgent\n      ipAddress\n      current\n      assuranceLevel\n      authenticationMethods\n    }\n  }\n": typeof types.MySessionsDocument,
    "\n  mutation RevokeSession($id: ID!) {\n    revokeSession(id: $id)\n  }\n": typeof types.RevokeSessionDocument,
    "\n  mutation SignOut($refreshToken: String) {\n    logout(refreshToken: $refreshToken)\n  }\n": typeof types.SignOutDocument,
    "\n  mutation Logout($allSessions: Boolean) {\n    logout(allSessions: $allSessions)\n  }\n": typeof types.LogoutDocument,
    "\n  fragment Enrollment on TotpEnrollment {\n    enrollmentId\n    secret\n    otpauthUri\n    expiresAt\n  }\n": typeof types.EnrollmentFragmentDoc,
    "\n  mutation ConfirmTotpEnrollment($enrollmentId: ID!, $code: String!, $label: String) {\n    confirmTotpEnrollment(enrollmentId: $enrollmentId, code: $code, label: $label) {\n      factor {\n        id\n        label\n      }\n      recoveryCodes\n    }\n  }\n": typeof types.ConfirmTotpEnrollmentDocument,
    "\n  mutation Reauthenticate($input: ReauthenticateInput!) {\n    reauthenticate(input: $input) {\n      id\n      authenticatedAt\n      assuranceLevel\n      authenticationMethods\n    }\n  }\n": typeof types.ReauthenticateDocument,
    "\n  mutation StartPasskeyReauthentication {\n    startPasskeyReauthentication {\n      ceremonyId\n      options\n    }\n  }\n": typeof types.StartPasskeyReauthenticationDocument,
    "\n  query TwoFactor {\n    me {\n      id\n      email\n      mfaEnabled\n      recoveryCodesRemaining\n      totpFactors {\n        id\n        label\n        createdAt\n        lastUsedAt\n      }\n      passkeys {\n        id\n      }\n    }\n  }\n": typeof types.TwoFactorDocument,
    "\n  mutation StartTotpEnrollment {\n    startTotpEnrollment {\n      ...Enrollment\n    }\n  }\n": typeof types.StartTotpEnrollmentDocument,
    "\n  mutation RemoveTotpFactor($id: ID!) {\n    removeTotpFactor(id: $id)\n  }\n": typeof types.RemoveTotpFactorDocument,
    "\n  mutation RegenerateRecoveryCodes {\n    regenerateRecoveryCodes {\n      codes\n      generatedAt\n    }\n  }\n": typeof types.RegenerateRecoveryCodesDocument,
    "\n  mutation CreateUser($input: CreateUserInput!) {\n    createUser(input: $input) {\n      id\n    }\n  }\n": typeof types.CreateUserDocument,
    "\n  query GroupChoices {\n    groups(first: 100) {\n      nodes {\n        id\n        name\n      }\n    }\n  }\n": typeof types.GroupChoicesDocument,
    "\n  fragment UserAccess on User {\n    id\n    email\n    role\n    isActive\n    isDeleted\n    mfaEnabled\n  }\n": typeof types.UserAccessFragmentDoc,
    "\n  mutation SetUserRole($id: ID!, $role: Role!) {\n    setUserRole(id: $id, role: $role) {\n      id\n    }\n  }\n": typeof types.SetUserRoleDocument,
    "\n  mutation SetUserActive($id: ID!, $active: Boolean!) {\n    setUserActive(id: $id, active: $active) {\n      id\n    }\n  }\n": typeof types.SetUserActiveDocument,
    "\n  mutation ClearLoginThrottle($userId: ID!) {\n    clearLoginThrottle(userId: $userId)\n  }\n": typeof types.ClearLoginThrottleDocument,
    "\n  mutation ResetUserMfa($userId: ID!) {\n    resetUserMfa(userId: $userId) {\n      id\n    }\n  }\n": typeof types.ResetUserMfaDocument,
    "\n  mutation DeleteUser($id: ID!, $permanent: Boolean) {\n    deleteUser(id: $id, permanent: $permanent)\n  }\n": typeof types.DeleteUserDocument,
    "\n  mutation RestoreUser($id: ID!) {\n    restoreUser(id: $id) {\n      id\n    }\n  }\n": typeof types.RestoreUserDocument,
    "\n  query UserEvents($userId: ID!) {\n    auditEvents(first: 10, filter: { userId: $userId }) {\n      nodes {\n        ...EventSummary\n      }\n    }\n  }\n": typeof types.UserEventsDocument,
    "\n  fragment UserGroups on User {\n    id\n    groups {\n      id\n    }\n  }\n": typeof types.UserGroupsFragmentDoc,
    "\n  mutation SetUserGroups($userId: ID!, $groupIds: [ID!]!) {\n    setUserGroups(userId: $userId, groupIds: $groupIds) {\n      id\n    }\n  }\n": typeof types.SetUserGroupsDocument,
    "\n  query UserIdentities($id: ID!) {\n    user(id: $id) {\n      id\n      hasPassword\n      identities {\n        id\n        email\n        linkedAt\n        lastUsedAt\n        provider {\n          slug\n          displayName\n        }\n      }\n    }\n  }\n": typeof types.UserIdentitiesDocument,
    "\n  query UserDetail($id: ID!) {\n    user(id: $id) {\n      id\n      email\n      emailVerified\n      role\n      isActive\n      isDeleted\n      mfaEnabled\n      deletedAt\n      lastLoginAt\n      createdAt\n      ...UserProfile\n      ...UserAccess\n      ...UserGroups\n      ...UserPermissions\n    }\n  }\n": typeof types.UserDetailDocument,
    "\n  fragment UserPermissions on User {\n    id\n    directPermissions {\n      id\n    }\n  }\n": typeof types.UserPermissionsFragmentDoc,
    "\n  query PermissionChoices {\n    permissions {\n      id\n      codename\n      name\n    }\n  }\n": typeof types.PermissionChoicesDocument,
    "\n  mutation SetUserPermissions($userId: ID!, $permissionIds: [ID!]!) {\n    setUserPermissions(userId: $userId, permissionIds: $permissionIds) {\n      id\n    }\n  }\n": typeof types.SetUserPermissionsDocument,
    "\n  fragment UserProfile on User {\n    id\n    ...ProfileFields\n  }\n": typeof types.UserProfileFragmentDoc,
    "\n  mutation UpdateUser($id: ID!, $input: UpdateUserInput!) {\n    updateUser(id: $id, input: $input) {\n      id\n    }\n  }\n": typeof types.UpdateUserDocument,
    "\n  query Users(\n    $first: Int\n    $after: String\n    $last: Int\n    $before: String\n    $offset: Int\n    $filter: UserFilter\n    $orderBy: UserOrder\n  ) {\n    users(\n      first: $first\n      after: $after\n      last: $last\n      before: $before\n      offset: $offset\n      filter: $filter\n      orderBy: $orderBy\n    ) {\n      totalCount\n      nodes {\n        id\n        email\n        fullName\n        role\n        isActive\n        isDeleted\n        mfaEnabled\n        lastLoginAt\n      }\n      pageInfo {\n        hasNextPage\n        hasPreviousPage\n        startCursor\n        endCursor\n      }\n    }\n  }\n": typeof types.UsersDocument,
};
const documents: Documents = {
    "\n  mutation Refresh($refreshToken: String!) {\n    refreshToken(refreshToken: $refreshToken) {\n      accessToken\n      refreshToken\n      expiresIn\n    }\n  }\n": types.RefreshDocument,
    "\n  fragment Tokens on AuthPayload {\n    accessToken\n    refreshToken\n    expiresIn\n  }\n": types.TokensFragmentDoc,
    "\n  fragment Viewer on User {\n    id\n    email\n    emailVerified\n    fullName\n    role\n    isAdmin\n    mfaEnabled\n    hasPassword\n    permissions {\n      codename\n    }\n    ...ProfileFields\n  }\n": types.ViewerFragmentDoc,
    "\n  query Me {\n    me {\n      ...Viewer\n    }\n  }\n": types.MeDocument,
    "\n  fragment EventSummary on AuditEvent {\n    id\n    occurredAt\n    action\n    ipAddress\n    details\n    actor {\n      email\n    }\n  }\n": types.EventSummaryFragmentDoc,
    "\n  fragment NextPage on PageInfo {\n    hasNextPage\n    endCursor\n  }\n": types.NextPageFragmentDoc,
    "\n  fragment ProfileFields on User {\n    email\n    username\n    firstName\n    lastName\n    phoneNumber\n    company\n    designation\n    address\n  }\n": types.ProfileFieldsFragmentDoc,
    "\n  query MyActivity($after: String) {\n    myAuditEvents(first: 20, after: $after) {\n      nodes {\n        ...EventSummary\n      }\n      pageInfo {\n        ...NextPage\n      }\n    }\n  }\n": types.MyActivityDocument,
    "\n  mutation ChangePassword($currentPassword: String!, $newPassword: String!) {\n    changePassword(currentPassword: $currentPassword, newPassword: $newPassword) {\n      ...Tokens\n    }\n  }\n": types.ChangePasswordDocument,
    "\n  mutation DeleteAccount($password: String!) {\n    deleteAccount(password: $password)\n  }\n": types.DeleteAccountDocument,
    "\n  mutation UpdateProfile($input: UpdateProfileInput!) {\n    updateProfile(input: $input) {\n      ...Viewer\n    }\n  }\n": types.UpdateProfileDocument,
    "\n  mutation SendVerificationEmail {\n    sendVerificationEmail\n  }\n": types.SendVerificationEmailDocument,
    "\n  query AuditEvents($first: Int, $after: String, $filter: AuditEventFilter) {\n    auditEvents(first: $first, after: $after, filter: $filter) {\n      totalCount\n      nodes {\n        id\n        occurredAt\n        action\n        actorId\n        userId\n        ipAddress\n        details\n        actor {\n          email\n        }\n        user {\n          email\n        }\n      }\n      pageInfo {\n        ...NextPage\n      }\n    }\n  }\n": types.AuditEventsDocument,
    "\n  mutation RequestPasswordReset($email: String!) {\n    requestPasswordReset(email: $email)\n  }\n": types.RequestPasswordResetDocument,
    "\n  mutation Register($input: RegisterInput!) {\n    register(input: $input) {\n      ...Tokens\n    }\n  }\n": types.RegisterDocument,
    "\n  mutation CompletePasswordReset($token: String!, $newPassword: String!) {\n    completePasswordReset(token: $token, newPassword: $newPassword) {\n      __typename\n      ... on AuthPayload {\n        ...Tokens\n      }\n      ... on SecondFactorRequired {\n        ...Challenge\n      }\n    }\n  }\n": types.CompletePasswordResetDocument,
    "\n  fragment Challenge on SecondFactorRequired {\n    challengeToken\n    expiresAt\n    methods\n  }\n": types.ChallengeFragmentDoc,
    "\n  mutation StartPasskeyChallenge($challengeToken: String!) {\n    startPasskeyChallenge(challengeToken: $challengeToken) {\n      ceremonyId\n      options\n    }\n  }\n": types.StartPasskeyChallengeDocument,
    "\n  mutation VerifySecondFactor($challengeToken: String!, $input: SecondFactorInput!) {\n    verifySecondFactor(challengeToken: $challengeToken, input: $input) {\n      ...Tokens\n    }\n  }\n": types.VerifySecondFactorDocument,
    "\n  mutation SignIn($input: LoginInput!) {\n    signIn(input: $input) {\n      __typename\n      ... on AuthPayload {\n        ...Tokens\n      }\n      ... on SecondFactorRequired {\n        ...Challenge\n      }\n    }\n  }\n": types.SignInDocument,
    "\n  mutation VerifyEmail($token: String!) {\n    verifyEmail(token: $token)\n  }\n": types.VerifyEmailDocument,
    "\n  mutation CreateGroup($input: GroupInput!) {\n    createGroup(input: $input) {\n      id\n    }\n  }\n": types.CreateGroupDocument,
    "\n  fragment GroupForm on Group {\n    id\n    name\n    description\n    permissions {\n      id\n      codename\n    }\n  }\n": types.GroupFormFragmentDoc,
    "\n  mutation UpdateGroup($id: ID!, $input: GroupInput!) {\n    updateGroup(id: $id, input: $input) {\n      id\n    }\n  }\n": types.UpdateGroupDocument,
    "\n  fragment GroupMembers on Group {\n    id\n    name\n    memberCount\n    members(first: 50) @include(if: $members) {\n      nodes {\n        id\n        email\n        fullName\n      }\n    }\n  }\n": types.GroupMembersFragmentDoc,
    "\n  mutation RemoveMember($userId: ID!, $groupId: ID!) {\n    removeUserFromGroup(userId: $userId, groupId: $groupId) {\n      id\n    }\n  }\n": types.RemoveMemberDocument,
    "\n  query GroupDetail($id: ID!, $members: Boolean!, $permissions: Boolean!) {\n    group(id: $id) {\n      id\n      name\n      ...GroupForm\n      ...GroupMembers\n    }\n    permissions @include(if: $permissions) {\n      id\n      codename\n    }\n  }\n": types.GroupDetailDocument,
    "\n  mutation DeleteGroup($id: ID!) {\n    deleteGroup(id: $id)\n  }\n": types.DeleteGroupDocument,
    "\n  query Groups($search: String, $after: String) {\n    groups(first: 20, after: $after, search: $search) {\n      totalCount\n      nodes {\n        id\n        name\n        description\n        memberCount\n      }\n      pageInfo {\n        ...NextPage\n      }\n    }\n  }\n": types.GroupsDocument,
    "\n  query IdentityProviders {\n    identityProviders {\n      id\n      slug\n      displayName\n      kind\n      enabled\n      allowSignUp\n      ...ProviderSettings\n    }\n  }\n": types.IdentityProvidersDocument,
    "\n  mutation CreateIdentityProvider($input: IdentityProviderInput!) {\n    createIdentityProvider(input: $input) {\n      id\n      slug\n      displayName\n    }\n  }\n": types.CreateIdentityProviderDocument,
    "\n  mutation UpdateIdentityProvider($id: ID!, $input: IdentityProviderInput!) {\n    updateIdentityProvider(id: $id, input: $input) {\n      id\n      displayName\n      ...ProviderSettings\n    }\n  }\n": types.UpdateIdentityProviderDocument,
    "\n  mutation DeleteIdentityProvider($id: ID!) {\n    deleteIdentityProvider(id: $id)\n  }\n": types.DeleteIdentityProviderDocument,
    "\n  fragment ProviderSettings on IdentityProvider {\n    id\n    slug\n    displayName\n    kind\n    issuer\n    clientId\n    scopes\n    allowedEmailDomains\n    allowSignUp\n    autoLinkVerifiedEmail\n    enabled\n  }\n": types.ProviderSettingsFragmentDoc,
    "\n  fragment LinkRequired on AccountLinkRequired {\n    linkToken\n    email\n    expiresAt\n    provider {\n      slug\n      displayName\n    }\n  }\n": types.LinkRequiredFragmentDoc,
    "\n  mutation CompleteOAuth($code: String!, $codeVerifier: String!) {\n    completeOAuth(code: $code, codeVerifier: $codeVerifier) {\n      __typename\n      ... on AuthPayload {\n        ...Tokens\n      }\n      ... on SecondFactorRequired {\n        ...Challenge\n      }\n      ... on AccountLinkRequired {\n        ...LinkRequired\n      }\n      ... on IdentityLinked {\n        identity {\n          id\n          provider {\n            slug\n          }\n        }\n      }\n    }\n  }\n": types.CompleteOAuthDocument,
    "\n  query SignInMethods {\n    me {\n      id\n      hasPassword\n      identities {\n        id\n        provider {\n          slug\n          displayName\n          kind\n        }\n        email\n        linkedAt\n        lastUsedAt\n      }\n    }\n    signInProviders {\n      slug\n      displayName\n      kind\n    }\n  }\n": types.SignInMethodsDocument,
    "\n  mutation UnlinkIdentity($id: ID!) {\n    unlinkIdentity(id: $id)\n  }\n": types.UnlinkIdentityDocument,
    "\n  mutation SetPassword($newPassword: String!) {\n    setPassword(newPassword: $newPassword) {\n      ...Tokens\n    }\n  }\n": types.SetPasswordDocument,
    "\n  query SignInProviders {\n    signInProviders {\n      slug\n      displayName\n      kind\n    }\n  }\n": types.SignInProvidersDocument,
    "\n  mutation StartOAuth($input: StartOAuthInput!) {\n    startOAuth(input: $input) {\n      authorizationUrl\n      expiresAt\n    }\n  }\n": types.StartOAuthDocument,
    "\n  mutation StartPasskeySignIn($login: String) {\n    startPasskeySignIn(login: $login) {\n      ceremonyId\n      options\n    }\n  }\n": types.StartPasskeySignInDocument,
    "\n  mutation FinishPasskeySignIn($ceremonyId: ID!, $credential: JSON!) {\n    finishPasskeySignIn(ceremonyId: $ceremonyId, credential: $credential) {\n      ...Tokens\n    }\n  }\n": types.FinishPasskeySignInDocument,
    "\n  query Passkeys {\n    me {\n      id\n      passkeys {\n        id\n        label\n        createdAt\n        lastUsedAt\n        backupEligible\n        backedUp\n      }\n    }\n  }\n": types.PasskeysDocument,
    "\n  mutation StartPasskeyRegistration {\n    startPasskeyRegistration {\n      ceremonyId\n      options\n    }\n  }\n": types.StartPasskeyRegistrationDocument,
    "\n  mutation FinishPasskeyRegistration($ceremonyId: ID!, $credential: JSON!, $label: String) {\n    finishPasskeyRegistration(ceremonyId: $ceremonyId, credential: $credential, label: $label) {\n      id\n      label\n    }\n  }\n": types.FinishPasskeyRegistrationDocument,
    "\n  mutation RenamePasskey($id: ID!, $label: String!) {\n    renamePasskey(id: $id, label: $label) {\n      id\n      label\n    }\n  }\n": types.RenamePasskeyDocument,
    "\n  mutation DeletePasskey($id: ID!) {\n    deletePasskey(id: $id)\n  }\n": types.DeletePasskeyDocument,
    "\n  mutation CreatePermission($input: PermissionInput!) {\n    createPermission(input: $input) {\n      id\n    }\n  }\n": types.CreatePermissionDocument,
    "\n  query Permissions {\n    permissions {\n      id\n      codename\n      name\n      description\n    }\n  }\n": types.PermissionsDocument,
    "\n  mutation DeletePermission($id: ID!) {\n    deletePermission(id: $id)\n  }\n": types.DeletePermissionDocument,
    "\n  query MySessions {\n    mySessions {\n      id\n      lastUsedAt\n      userAgent\n      ipAddress\n      current\n      assuranceLevel\n      authenticationMethods\n    }\n  }\n": types.MySessionsDocument,
    "\n  mutation RevokeSession($id: ID!) {\n    revokeSession(id: $id)\n  }\n": types.RevokeSessionDocument,
    "\n  mutation SignOut($refreshToken: String) {\n    logout(refreshToken: $refreshToken)\n  }\n": types.SignOutDocument,
    "\n  mutation Logout($allSessions: Boolean) {\n    logout(allSessions: $allSessions)\n  }\n": types.LogoutDocument,
    "\n  fragment Enrollment on TotpEnrollment {\n    enrollmentId\n    secret\n    otpauthUri\n    expiresAt\n  }\n": types.EnrollmentFragmentDoc,
    "\n  mutation ConfirmTotpEnrollment($enrollmentId: ID!, $code: String!, $label: String) {\n    confirmTotpEnrollment(enrollmentId: $enrollmentId, code: $code, label: $label) {\n      factor {\n        id\n        label\n      }\n      recoveryCodes\n    }\n  }\n": types.ConfirmTotpEnrollmentDocument,
    "\n  mutation Reauthenticate($input: ReauthenticateInput!) {\n    reauthenticate(input: $input) {\n      id\n      authenticatedAt\n      assuranceLevel\n      authenticationMethods\n    }\n  }\n": types.ReauthenticateDocument,
    "\n  mutation StartPasskeyReauthentication {\n    startPasskeyReauthentication {\n      ceremonyId\n      options\n    }\n  }\n": types.StartPasskeyReauthenticationDocument,
    "\n  query TwoFactor {\n    me {\n      id\n      email\n      mfaEnabled\n      recoveryCodesRemaining\n      totpFactors {\n        id\n        label\n        createdAt\n        lastUsedAt\n      }\n      passkeys {\n        id\n      }\n    }\n  }\n": types.TwoFactorDocument,
    "\n  mutation StartTotpEnrollment {\n    startTotpEnrollment {\n      ...Enrollment\n    }\n  }\n": types.StartTotpEnrollmentDocument,
    "\n  mutation RemoveTotpFactor($id: ID!) {\n    removeTotpFactor(id: $id)\n  }\n": types.RemoveTotpFactorDocument,
    "\n  mutation RegenerateRecoveryCodes {\n    regenerateRecoveryCodes {\n      codes\n      generatedAt\n    }\n  }\n": types.RegenerateRecoveryCodesDocument,
    "\n  mutation CreateUser($input: CreateUserInput!) {\n    createUser(input: $input) {\n      id\n    }\n  }\n": types.CreateUserDocument,
    "\n  query GroupChoices {\n    groups(first: 100) {\n      nodes {\n        id\n        name\n      }\n    }\n  }\n": types.GroupChoicesDocument,
    "\n  fragment UserAccess on User {\n    id\n    email\n    role\n    isActive\n    isDeleted\n    mfaEnabled\n  }\n": types.UserAccessFragmentDoc,
    "\n  mutation SetUserRole($id: ID!, $role: Role!) {\n    setUserRole(id: $id, role: $role) {\n      id\n    }\n  }\n": types.SetUserRoleDocument,
    "\n  mutation SetUserActive($id: ID!, $active: Boolean!) {\n    setUserActive(id: $id, active: $active) {\n      id\n    }\n  }\n": types.SetUserActiveDocument,
    "\n  mutation ClearLoginThrottle($userId: ID!) {\n    clearLoginThrottle(userId: $userId)\n  }\n": types.ClearLoginThrottleDocument,
    "\n  mutation ResetUserMfa($userId: ID!) {\n    resetUserMfa(userId: $userId) {\n      id\n    }\n  }\n": types.ResetUserMfaDocument,
    "\n  mutation DeleteUser($id: ID!, $permanent: Boolean) {\n    deleteUser(id: $id, permanent: $permanent)\n  }\n": types.DeleteUserDocument,
    "\n  mutation RestoreUser($id: ID!) {\n    restoreUser(id: $id) {\n      id\n    }\n  }\n": types.RestoreUserDocument,
    "\n  query UserEvents($userId: ID!) {\n    auditEvents(first: 10, filter: { userId: $userId }) {\n      nodes {\n        ...EventSummary\n      }\n    }\n  }\n": types.UserEventsDocument,
    "\n  fragment UserGroups on User {\n    id\n    groups {\n      id\n    }\n  }\n": types.UserGroupsFragmentDoc,
    "\n  mutation SetUserGroups($userId: ID!, $groupIds: [ID!]!) {\n    setUserGroups(userId: $userId, groupIds: $groupIds) {\n      id\n    }\n  }\n": types.SetUserGroupsDocument,
    "\n  query UserIdentities($id: ID!) {\n    user(id: $id) {\n      id\n      hasPassword\n      identities {\n        id\n        email\n        linkedAt\n        lastUsedAt\n        provider {\n          slug\n          displayName\n        }\n      }\n    }\n  }\n": types.UserIdentitiesDocument,
    "\n  query UserDetail($id: ID!) {\n    user(id: $id) {\n      id\n      email\n      emailVerified\n      role\n      isActive\n      isDeleted\n      mfaEnabled\n      deletedAt\n      lastLoginAt\n      createdAt\n      ...UserProfile\n      ...UserAccess\n      ...UserGroups\n      ...UserPermissions\n    }\n  }\n": types.UserDetailDocument,
    "\n  fragment UserPermissions on User {\n    id\n    directPermissions {\n      id\n    }\n  }\n": types.UserPermissionsFragmentDoc,
    "\n  query PermissionChoices {\n    permissions {\n      id\n      codename\n      name\n    }\n  }\n": types.PermissionChoicesDocument,
    "\n  mutation SetUserPermissions($userId: ID!, $permissionIds: [ID!]!) {\n    setUserPermissions(userId: $userId, permissionIds: $permissionIds) {\n      id\n    }\n  }\n": types.SetUserPermissionsDocument,
    "\n  fragment UserProfile on User {\n    id\n    ...ProfileFields\n  }\n": types.UserProfileFragmentDoc,
    "\n  mutation UpdateUser($id: ID!, $input: UpdateUserInput!) {\n    updateUser(id: $id, input: $input) {\n      id\n    }\n  }\n": types.UpdateUserDocument,
    "\n  query Users(\n    $first: Int\n    $after: String\n    $last: Int\n    $before: String\n    $offset: Int\n    $filter: UserFilter\n    $orderBy: UserOrder\n  ) {\n    users(\n      first: $first\n      after: $after\n      last: $last\n      before: $before\n      offset: $offset\n      filter: $filter\n      orderBy: $orderBy\n    ) {\n      totalCount\n      nodes {\n        id\n        email\n        fullName\n        role\n        isActive\n        isDeleted\n        mfaEnabled\n        lastLoginAt\n      }\n      pageInfo {\n        hasNextPage\n        hasPreviousPage\n        startCursor\n        endCursor\n      }\n    }\n  }\n": types.UsersDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Refresh($refreshToken: String!) {\n    refreshToken(refreshToken: $refreshToken) {\n      accessToken\n      refreshToken\n      expiresIn\n    }\n  }\n"): (typeof documents)["\n  mutation Refresh($refreshToken: String!) {\n    refreshToken(refreshToken: $refreshToken) {\n      accessToken\n      refreshToken\n      expiresIn\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment Tokens on AuthPayload {\n    accessToken\n    refreshToken\n    expiresIn\n  }\n"): (typeof documents)["\n  fragment Tokens on AuthPayload {\n    accessToken\n    refreshToken\n    expiresIn\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment Viewer on User {\n    id\n    email\n    emailVerified\n    fullName\n    role\n    isAdmin\n    mfaEnabled\n    hasPassword\n    permissions {\n      codename\n    }\n    ...ProfileFields\n  }\n"): (typeof documents)["\n  fragment Viewer on User {\n    id\n    email\n    emailVerified\n    fullName\n    role\n    isAdmin\n    mfaEnabled\n    hasPassword\n    permissions {\n      codename\n    }\n    ...ProfileFields\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Me {\n    me {\n      ...Viewer\n    }\n  }\n"): (typeof documents)["\n  query Me {\n    me {\n      ...Viewer\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment EventSummary on AuditEvent {\n    id\n    occurredAt\n    action\n    ipAddress\n    details\n    actor {\n      email\n    }\n  }\n"): (typeof documents)["\n  fragment EventSummary on AuditEvent {\n    id\n    occurredAt\n    action\n    ipAddress\n    details\n    actor {\n      email\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment NextPage on PageInfo {\n    hasNextPage\n    endCursor\n  }\n"): (typeof documents)["\n  fragment NextPage on PageInfo {\n    hasNextPage\n    endCursor\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ProfileFields on User {\n    email\n    username\n    firstName\n    lastName\n    phoneNumber\n    company\n    designation\n    address\n  }\n"): (typeof documents)["\n  fragment ProfileFields on User {\n    email\n    username\n    firstName\n    lastName\n    phoneNumber\n    company\n    designation\n    address\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MyActivity($after: String) {\n    myAuditEvents(first: 20, after: $after) {\n      nodes {\n        ...EventSummary\n      }\n      pageInfo {\n        ...NextPage\n      }\n    }\n  }\n"): (typeof documents)["\n  query MyActivity($after: String) {\n    myAuditEvents(first: 20, after: $after) {\n      nodes {\n        ...EventSummary\n      }\n      pageInfo {\n        ...NextPage\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ChangePassword($currentPassword: String!, $newPassword: String!) {\n    changePassword(currentPassword: $currentPassword, newPassword: $newPassword) {\n      ...Tokens\n    }\n  }\n"): (typeof documents)["\n  mutation ChangePassword($currentPassword: String!, $newPassword: String!) {\n    changePassword(currentPassword: $currentPassword, newPassword: $newPassword) {\n      ...Tokens\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteAccount($password: String!) {\n    deleteAccount(password: $password)\n  }\n"): (typeof documents)["\n  mutation DeleteAccount($password: String!) {\n    deleteAccount(password: $password)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateProfile($input: UpdateProfileInput!) {\n    updateProfile(input: $input) {\n      ...Viewer\n    }\n  }\n"): (typeof documents)["\n  mutation UpdateProfile($input: UpdateProfileInput!) {\n    updateProfile(input: $input) {\n      ...Viewer\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SendVerificationEmail {\n    sendVerificationEmail\n  }\n"): (typeof documents)["\n  mutation SendVerificationEmail {\n    sendVerificationEmail\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AuditEvents($first: Int, $after: String, $filter: AuditEventFilter) {\n    auditEvents(first: $first, after: $after, filter: $filter) {\n      totalCount\n      nodes {\n        id\n        occurredAt\n        action\n        actorId\n        userId\n        ipAddress\n        details\n        actor {\n          email\n        }\n        user {\n          email\n        }\n      }\n      pageInfo {\n        ...NextPage\n      }\n    }\n  }\n"): (typeof documents)["\n  query AuditEvents($first: Int, $after: String, $filter: AuditEventFilter) {\n    auditEvents(first: $first, after: $after, filter: $filter) {\n      totalCount\n      nodes {\n        id\n        occurredAt\n        action\n        actorId\n        userId\n        ipAddress\n        details\n        actor {\n          email\n        }\n        user {\n          email\n        }\n      }\n      pageInfo {\n        ...NextPage\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RequestPasswordReset($email: String!) {\n    requestPasswordReset(email: $email)\n  }\n"): (typeof documents)["\n  mutation RequestPasswordReset($email: String!) {\n    requestPasswordReset(email: $email)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Register($input: RegisterInput!) {\n    register(input: $input) {\n      ...Tokens\n    }\n  }\n"): (typeof documents)["\n  mutation Register($input: RegisterInput!) {\n    register(input: $input) {\n      ...Tokens\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CompletePasswordReset($token: String!, $newPassword: String!) {\n    completePasswordReset(token: $token, newPassword: $newPassword) {\n      __typename\n      ... on AuthPayload {\n        ...Tokens\n      }\n      ... on SecondFactorRequired {\n        ...Challenge\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation CompletePasswordReset($token: String!, $newPassword: String!) {\n    completePasswordReset(token: $token, newPassword: $newPassword) {\n      __typename\n      ... on AuthPayload {\n        ...Tokens\n      }\n      ... on SecondFactorRequired {\n        ...Challenge\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment Challenge on SecondFactorRequired {\n    challengeToken\n    expiresAt\n    methods\n  }\n"): (typeof documents)["\n  fragment Challenge on SecondFactorRequired {\n    challengeToken\n    expiresAt\n    methods\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation StartPasskeyChallenge($challengeToken: String!) {\n    startPasskeyChallenge(challengeToken: $challengeToken) {\n      ceremonyId\n      options\n    }\n  }\n"): (typeof documents)["\n  mutation StartPasskeyChallenge($challengeToken: String!) {\n    startPasskeyChallenge(challengeToken: $challengeToken) {\n      ceremonyId\n      options\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation VerifySecondFactor($challengeToken: String!, $input: SecondFactorInput!) {\n    verifySecondFactor(challengeToken: $challengeToken, input: $input) {\n      ...Tokens\n    }\n  }\n"): (typeof documents)["\n  mutation VerifySecondFactor($challengeToken: String!, $input: SecondFactorInput!) {\n    verifySecondFactor(challengeToken: $challengeToken, input: $input) {\n      ...Tokens\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SignIn($input: LoginInput!) {\n    signIn(input: $input) {\n      __typename\n      ... on AuthPayload {\n        ...Tokens\n      }\n      ... on SecondFactorRequired {\n        ...Challenge\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation SignIn($input: LoginInput!) {\n    signIn(input: $input) {\n      __typename\n      ... on AuthPayload {\n        ...Tokens\n      }\n      ... on SecondFactorRequired {\n        ...Challenge\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation VerifyEmail($token: String!) {\n    verifyEmail(token: $token)\n  }\n"): (typeof documents)["\n  mutation VerifyEmail($token: String!) {\n    verifyEmail(token: $token)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateGroup($input: GroupInput!) {\n    createGroup(input: $input) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation CreateGroup($input: GroupInput!) {\n    createGroup(input: $input) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment GroupForm on Group {\n    id\n    name\n    description\n    permissions {\n      id\n      codename\n    }\n  }\n"): (typeof documents)["\n  fragment GroupForm on Group {\n    id\n    name\n    description\n    permissions {\n      id\n      codename\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateGroup($id: ID!, $input: GroupInput!) {\n    updateGroup(id: $id, input: $input) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation UpdateGroup($id: ID!, $input: GroupInput!) {\n    updateGroup(id: $id, input: $input) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment GroupMembers on Group {\n    id\n    name\n    memberCount\n    members(first: 50) @include(if: $members) {\n      nodes {\n        id\n        email\n        fullName\n      }\n    }\n  }\n"): (typeof documents)["\n  fragment GroupMembers on Group {\n    id\n    name\n    memberCount\n    members(first: 50) @include(if: $members) {\n      nodes {\n        id\n        email\n        fullName\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RemoveMember($userId: ID!, $groupId: ID!) {\n    removeUserFromGroup(userId: $userId, groupId: $groupId) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation RemoveMember($userId: ID!, $groupId: ID!) {\n    removeUserFromGroup(userId: $userId, groupId: $groupId) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query GroupDetail($id: ID!, $members: Boolean!, $permissions: Boolean!) {\n    group(id: $id) {\n      id\n      name\n      ...GroupForm\n      ...GroupMembers\n    }\n    permissions @include(if: $permissions) {\n      id\n      codename\n    }\n  }\n"): (typeof documents)["\n  query GroupDetail($id: ID!, $members: Boolean!, $permissions: Boolean!) {\n    group(id: $id) {\n      id\n      name\n      ...GroupForm\n      ...GroupMembers\n    }\n    permissions @include(if: $permissions) {\n      id\n      codename\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteGroup($id: ID!) {\n    deleteGroup(id: $id)\n  }\n"): (typeof documents)["\n  mutation DeleteGroup($id: ID!) {\n    deleteGroup(id: $id)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Groups($search: String, $after: String) {\n    groups(first: 20, after: $after, search: $search) {\n      totalCount\n      nodes {\n        id\n        name\n        description\n        memberCount\n      }\n      pageInfo {\n        ...NextPage\n      }\n    }\n  }\n"): (typeof documents)["\n  query Groups($search: String, $after: String) {\n    groups(first: 20, after: $after, search: $search) {\n      totalCount\n      nodes {\n        id\n        name\n        description\n        memberCount\n      }\n      pageInfo {\n        ...NextPage\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query IdentityProviders {\n    identityProviders {\n      id\n      slug\n      displayName\n      kind\n      enabled\n      allowSignUp\n      ...ProviderSettings\n    }\n  }\n"): (typeof documents)["\n  query IdentityProviders {\n    identityProviders {\n      id\n      slug\n      displayName\n      kind\n      enabled\n      allowSignUp\n      ...ProviderSettings\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateIdentityProvider($input: IdentityProviderInput!) {\n    createIdentityProvider(input: $input) {\n      id\n      slug\n      displayName\n    }\n  }\n"): (typeof documents)["\n  mutation CreateIdentityProvider($input: IdentityProviderInput!) {\n    createIdentityProvider(input: $input) {\n      id\n      slug\n      displayName\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateIdentityProvider($id: ID!, $input: IdentityProviderInput!) {\n    updateIdentityProvider(id: $id, input: $input) {\n      id\n      displayName\n      ...ProviderSettings\n    }\n  }\n"): (typeof documents)["\n  mutation UpdateIdentityProvider($id: ID!, $input: IdentityProviderInput!) {\n    updateIdentityProvider(id: $id, input: $input) {\n      id\n      displayName\n      ...ProviderSettings\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteIdentityProvider($id: ID!) {\n    deleteIdentityProvider(id: $id)\n  }\n"): (typeof documents)["\n  mutation DeleteIdentityProvider($id: ID!) {\n    deleteIdentityProvider(id: $id)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ProviderSettings on IdentityProvider {\n    id\n    slug\n    displayName\n    kind\n    issuer\n    clientId\n    scopes\n    allowedEmailDomains\n    allowSignUp\n    autoLinkVerifiedEmail\n    enabled\n  }\n"): (typeof documents)["\n  fragment ProviderSettings on IdentityProvider {\n    id\n    slug\n    displayName\n    kind\n    issuer\n    clientId\n    scopes\n    allowedEmailDomains\n    allowSignUp\n    autoLinkVerifiedEmail\n    enabled\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment LinkRequired on AccountLinkRequired {\n    linkToken\n    email\n    expiresAt\n    provider {\n      slug\n      displayName\n    }\n  }\n"): (typeof documents)["\n  fragment LinkRequired on AccountLinkRequired {\n    linkToken\n    email\n    expiresAt\n    provider {\n      slug\n      displayName\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CompleteOAuth($code: String!, $codeVerifier: String!) {\n    completeOAuth(code: $code, codeVerifier: $codeVerifier) {\n      __typename\n      ... on AuthPayload {\n        ...Tokens\n      }\n      ... on SecondFactorRequired {\n        ...Challenge\n      }\n      ... on AccountLinkRequired {\n        ...LinkRequired\n      }\n      ... on IdentityLinked {\n        identity {\n          id\n          provider {\n            slug\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation CompleteOAuth($code: String!, $codeVerifier: String!) {\n    completeOAuth(code: $code, codeVerifier: $codeVerifier) {\n      __typename\n      ... on AuthPayload {\n        ...Tokens\n      }\n      ... on SecondFactorRequired {\n        ...Challenge\n      }\n      ... on AccountLinkRequired {\n        ...LinkRequired\n      }\n      ... on IdentityLinked {\n        identity {\n          id\n          provider {\n            slug\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SignInMethods {\n    me {\n      id\n      hasPassword\n      identities {\n        id\n        provider {\n          slug\n          displayName\n          kind\n        }\n        email\n        linkedAt\n        lastUsedAt\n      }\n    }\n    signInProviders {\n      slug\n      displayName\n      kind\n    }\n  }\n"): (typeof documents)["\n  query SignInMethods {\n    me {\n      id\n      hasPassword\n      identities {\n        id\n        provider {\n          slug\n          displayName\n          kind\n        }\n        email\n        linkedAt\n        lastUsedAt\n      }\n    }\n    signInProviders {\n      slug\n      displayName\n      kind\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UnlinkIdentity($id: ID!) {\n    unlinkIdentity(id: $id)\n  }\n"): (typeof documents)["\n  mutation UnlinkIdentity($id: ID!) {\n    unlinkIdentity(id: $id)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetPassword($newPassword: String!) {\n    setPassword(newPassword: $newPassword) {\n      ...Tokens\n    }\n  }\n"): (typeof documents)["\n  mutation SetPassword($newPassword: String!) {\n    setPassword(newPassword: $newPassword) {\n      ...Tokens\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SignInProviders {\n    signInProviders {\n      slug\n      displayName\n      kind\n    }\n  }\n"): (typeof documents)["\n  query SignInProviders {\n    signInProviders {\n      slug\n      displayName\n      kind\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation StartOAuth($input: StartOAuthInput!) {\n    startOAuth(input: $input) {\n      authorizationUrl\n      expiresAt\n    }\n  }\n"): (typeof documents)["\n  mutation StartOAuth($input: StartOAuthInput!) {\n    startOAuth(input: $input) {\n      authorizationUrl\n      expiresAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation StartPasskeySignIn($login: String) {\n    startPasskeySignIn(login: $login) {\n      ceremonyId\n      options\n    }\n  }\n"): (typeof documents)["\n  mutation StartPasskeySignIn($login: String) {\n    startPasskeySignIn(login: $login) {\n      ceremonyId\n      options\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation FinishPasskeySignIn($ceremonyId: ID!, $credential: JSON!) {\n    finishPasskeySignIn(ceremonyId: $ceremonyId, credential: $credential) {\n      ...Tokens\n    }\n  }\n"): (typeof documents)["\n  mutation FinishPasskeySignIn($ceremonyId: ID!, $credential: JSON!) {\n    finishPasskeySignIn(ceremonyId: $ceremonyId, credential: $credential) {\n      ...Tokens\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Passkeys {\n    me {\n      id\n      passkeys {\n        id\n        label\n        createdAt\n        lastUsedAt\n        backupEligible\n        backedUp\n      }\n    }\n  }\n"): (typeof documents)["\n  query Passkeys {\n    me {\n      id\n      passkeys {\n        id\n        label\n        createdAt\n        lastUsedAt\n        backupEligible\n        backedUp\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation StartPasskeyRegistration {\n    startPasskeyRegistration {\n      ceremonyId\n      options\n    }\n  }\n"): (typeof documents)["\n  mutation StartPasskeyRegistration {\n    startPasskeyRegistration {\n      ceremonyId\n      options\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation FinishPasskeyRegistration($ceremonyId: ID!, $credential: JSON!, $label: String) {\n    finishPasskeyRegistration(ceremonyId: $ceremonyId, credential: $credential, label: $label) {\n      id\n      label\n    }\n  }\n"): (typeof documents)["\n  mutation FinishPasskeyRegistration($ceremonyId: ID!, $credential: JSON!, $label: String) {\n    finishPasskeyRegistration(ceremonyId: $ceremonyId, credential: $credential, label: $label) {\n      id\n      label\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RenamePasskey($id: ID!, $label: String!) {\n    renamePasskey(id: $id, label: $label) {\n      id\n      label\n    }\n  }\n"): (typeof documents)["\n  mutation RenamePasskey($id: ID!, $label: String!) {\n    renamePasskey(id: $id, label: $label) {\n      id\n      label\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeletePasskey($id: ID!) {\n    deletePasskey(id: $id)\n  }\n"): (typeof documents)["\n  mutation DeletePasskey($id: ID!) {\n    deletePasskey(id: $id)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreatePermission($input: PermissionInput!) {\n    createPermission(input: $input) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation CreatePermission($input: PermissionInput!) {\n    createPermission(input: $input) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Permissions {\n    permissions {\n      id\n      codename\n      name\n      description\n    }\n  }\n"): (typeof documents)["\n  query Permissions {\n    permissions {\n      id\n      codename\n      name\n      description\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeletePermission($id: ID!) {\n    deletePermission(id: $id)\n  }\n"): (typeof documents)["\n  mutation DeletePermission($id: ID!) {\n    deletePermission(id: $id)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MySessions {\n    mySessions {\n      id\n      lastUsedAt\n      userAgent\n      ipAddress\n      current\n      assuranceLevel\n      authenticationMethods\n    }\n  }\n"): (typeof documents)["\n  query MySessions {\n    mySessions {\n      id\n      lastUsedAt\n      userAgent\n      ipAddress\n      current\n      assuranceLevel\n      authenticationMethods\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RevokeSession($id: ID!) {\n    revokeSession(id: $id)\n  }\n"): (typeof documents)["\n  mutation RevokeSession($id: ID!) {\n    revokeSession(id: $id)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SignOut($refreshToken: String) {\n    logout(refreshToken: $refreshToken)\n  }\n"): (typeof documents)["\n  mutation SignOut($refreshToken: String) {\n    logout(refreshToken: $refreshToken)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Logout($allSessions: Boolean) {\n    logout(allSessions: $allSessions)\n  }\n"): (typeof documents)["\n  mutation Logout($allSessions: Boolean) {\n    logout(allSessions: $allSessions)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment Enrollment on TotpEnrollment {\n    enrollmentId\n    secret\n    otpauthUri\n    expiresAt\n  }\n"): (typeof documents)["\n  fragment Enrollment on TotpEnrollment {\n    enrollmentId\n    secret\n    otpauthUri\n    expiresAt\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConfirmTotpEnrollment($enrollmentId: ID!, $code: String!, $label: String) {\n    confirmTotpEnrollment(enrollmentId: $enrollmentId, code: $code, label: $label) {\n      factor {\n        id\n        label\n      }\n      recoveryCodes\n    }\n  }\n"): (typeof documents)["\n  mutation ConfirmTotpEnrollment($enrollmentId: ID!, $code: String!, $label: String) {\n    confirmTotpEnrollment(enrollmentId: $enrollmentId, code: $code, label: $label) {\n      factor {\n        id\n        label\n      }\n      recoveryCodes\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Reauthenticate($input: ReauthenticateInput!) {\n    reauthenticate(input: $input) {\n      id\n      authenticatedAt\n      assuranceLevel\n      authenticationMethods\n    }\n  }\n"): (typeof documents)["\n  mutation Reauthenticate($input: ReauthenticateInput!) {\n    reauthenticate(input: $input) {\n      id\n      authenticatedAt\n      assuranceLevel\n      authenticationMethods\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation StartPasskeyReauthentication {\n    startPasskeyReauthentication {\n      ceremonyId\n      options\n    }\n  }\n"): (typeof documents)["\n  mutation StartPasskeyReauthentication {\n    startPasskeyReauthentication {\n      ceremonyId\n      options\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query TwoFactor {\n    me {\n      id\n      email\n      mfaEnabled\n      recoveryCodesRemaining\n      totpFactors {\n        id\n        label\n        createdAt\n        lastUsedAt\n      }\n      passkeys {\n        id\n      }\n    }\n  }\n"): (typeof documents)["\n  query TwoFactor {\n    me {\n      id\n      email\n      mfaEnabled\n      recoveryCodesRemaining\n      totpFactors {\n        id\n        label\n        createdAt\n        lastUsedAt\n      }\n      passkeys {\n        id\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation StartTotpEnrollment {\n    startTotpEnrollment {\n      ...Enrollment\n    }\n  }\n"): (typeof documents)["\n  mutation StartTotpEnrollment {\n    startTotpEnrollment {\n      ...Enrollment\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RemoveTotpFactor($id: ID!) {\n    removeTotpFactor(id: $id)\n  }\n"): (typeof documents)["\n  mutation RemoveTotpFactor($id: ID!) {\n    removeTotpFactor(id: $id)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RegenerateRecoveryCodes {\n    regenerateRecoveryCodes {\n      codes\n      generatedAt\n    }\n  }\n"): (typeof documents)["\n  mutation RegenerateRecoveryCodes {\n    regenerateRecoveryCodes {\n      codes\n      generatedAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateUser($input: CreateUserInput!) {\n    createUser(input: $input) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation CreateUser($input: CreateUserInput!) {\n    createUser(input: $input) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query GroupChoices {\n    groups(first: 100) {\n      nodes {\n        id\n        name\n      }\n    }\n  }\n"): (typeof documents)["\n  query GroupChoices {\n    groups(first: 100) {\n      nodes {\n        id\n        name\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment UserAccess on User {\n    id\n    email\n    role\n    isActive\n    isDeleted\n    mfaEnabled\n  }\n"): (typeof documents)["\n  fragment UserAccess on User {\n    id\n    email\n    role\n    isActive\n    isDeleted\n    mfaEnabled\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetUserRole($id: ID!, $role: Role!) {\n    setUserRole(id: $id, role: $role) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation SetUserRole($id: ID!, $role: Role!) {\n    setUserRole(id: $id, role: $role) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetUserActive($id: ID!, $active: Boolean!) {\n    setUserActive(id: $id, active: $active) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation SetUserActive($id: ID!, $active: Boolean!) {\n    setUserActive(id: $id, active: $active) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ClearLoginThrottle($userId: ID!) {\n    clearLoginThrottle(userId: $userId)\n  }\n"): (typeof documents)["\n  mutation ClearLoginThrottle($userId: ID!) {\n    clearLoginThrottle(userId: $userId)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ResetUserMfa($userId: ID!) {\n    resetUserMfa(userId: $userId) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation ResetUserMfa($userId: ID!) {\n    resetUserMfa(userId: $userId) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteUser($id: ID!, $permanent: Boolean) {\n    deleteUser(id: $id, permanent: $permanent)\n  }\n"): (typeof documents)["\n  mutation DeleteUser($id: ID!, $permanent: Boolean) {\n    deleteUser(id: $id, permanent: $permanent)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RestoreUser($id: ID!) {\n    restoreUser(id: $id) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation RestoreUser($id: ID!) {\n    restoreUser(id: $id) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query UserEvents($userId: ID!) {\n    auditEvents(first: 10, filter: { userId: $userId }) {\n      nodes {\n        ...EventSummary\n      }\n    }\n  }\n"): (typeof documents)["\n  query UserEvents($userId: ID!) {\n    auditEvents(first: 10, filter: { userId: $userId }) {\n      nodes {\n        ...EventSummary\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment UserGroups on User {\n    id\n    groups {\n      id\n    }\n  }\n"): (typeof documents)["\n  fragment UserGroups on User {\n    id\n    groups {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetUserGroups($userId: ID!, $groupIds: [ID!]!) {\n    setUserGroups(userId: $userId, groupIds: $groupIds) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation SetUserGroups($userId: ID!, $groupIds: [ID!]!) {\n    setUserGroups(userId: $userId, groupIds: $groupIds) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query UserIdentities($id: ID!) {\n    user(id: $id) {\n      id\n      hasPassword\n      identities {\n        id\n        email\n        linkedAt\n        lastUsedAt\n        provider {\n          slug\n          displayName\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query UserIdentities($id: ID!) {\n    user(id: $id) {\n      id\n      hasPassword\n      identities {\n        id\n        email\n        linkedAt\n        lastUsedAt\n        provider {\n          slug\n          displayName\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query UserDetail($id: ID!) {\n    user(id: $id) {\n      id\n      email\n      emailVerified\n      role\n      isActive\n      isDeleted\n      mfaEnabled\n      deletedAt\n      lastLoginAt\n      createdAt\n      ...UserProfile\n      ...UserAccess\n      ...UserGroups\n      ...UserPermissions\n    }\n  }\n"): (typeof documents)["\n  query UserDetail($id: ID!) {\n    user(id: $id) {\n      id\n      email\n      emailVerified\n      role\n      isActive\n      isDeleted\n      mfaEnabled\n      deletedAt\n      lastLoginAt\n      createdAt\n      ...UserProfile\n      ...UserAccess\n      ...UserGroups\n      ...UserPermissions\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment UserPermissions on User {\n    id\n    directPermissions {\n      id\n    }\n  }\n"): (typeof documents)["\n  fragment UserPermissions on User {\n    id\n    directPermissions {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query PermissionChoices {\n    permissions {\n      id\n      codename\n      name\n    }\n  }\n"): (typeof documents)["\n  query PermissionChoices {\n    permissions {\n      id\n      codename\n      name\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetUserPermissions($userId: ID!, $permissionIds: [ID!]!) {\n    setUserPermissions(userId: $userId, permissionIds: $permissionIds) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation SetUserPermissions($userId: ID!, $permissionIds: [ID!]!) {\n    setUserPermissions(userId: $userId, permissionIds: $permissionIds) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment UserProfile on User {\n    id\n    ...ProfileFields\n  }\n"): (typeof documents)["\n  fragment UserProfile on User {\n    id\n    ...ProfileFields\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateUser($id: ID!, $input: UpdateUserInput!) {\n    updateUser(id: $id, input: $input) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation UpdateUser($id: ID!, $input: UpdateUserInput!) {\n    updateUser(id: $id, input: $input) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Users(\n    $first: Int\n    $after: String\n    $last: Int\n    $before: String\n    $offset: Int\n    $filter: UserFilter\n    $orderBy: UserOrder\n  ) {\n    users(\n      first: $first\n      after: $after\n      last: $last\n      before: $before\n      offset: $offset\n      filter: $filter\n      orderBy: $orderBy\n    ) {\n      totalCount\n      nodes {\n        id\n        email\n        fullName\n        role\n        isActive\n        isDeleted\n        mfaEnabled\n        lastLoginAt\n      }\n      pageInfo {\n        hasNextPage\n        hasPreviousPage\n        startCursor\n        endCursor\n      }\n    }\n  }\n"): (typeof documents)["\n  query Users(\n    $first: Int\n    $after: String\n    $last: Int\n    $before: String\n    $offset: Int\n    $filter: UserFilter\n    $orderBy: UserOrder\n  ) {\n    users(\n      first: $first\n      after: $after\n      last: $last\n      before: $before\n      offset: $offset\n      filter: $filter\n      orderBy: $orderBy\n    ) {\n      totalCount\n      nodes {\n        id\n        email\n        fullName\n        role\n        isActive\n        isDeleted\n        mfaEnabled\n        lastLoginAt\n      }\n      pageInfo {\n        hasNextPage\n        hasPreviousPage\n        startCursor\n        endCursor\n      }\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;