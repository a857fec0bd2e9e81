//! The GraphQL documents of one's own account that tests of several areas send: signing up and
//! in, sessions, the profile, recovery links. Each selects every field any test reads, so one
//! document serves all. The administrators' documents are in `admin`.

pub const REGISTER: &str = "mutation($input: RegisterInput!) {
  register(input: $input) {
    accessToken refreshToken tokenType expiresIn
    user { id email username firstName lastName address fullName role isAdmin isActive isDeleted lastLoginAt }
  }
}";

pub const LOGIN: &str = "mutation($input: LoginInput!) {
  login(input: $input) { accessToken refreshToken tokenType expiresIn user { id email lastLoginAt } }
}";

pub const REFRESH: &str = "mutation($token: String!) {
  refreshToken(refreshToken: $token) { accessToken refreshToken tokenType expiresIn user { id } }
}";

/// `$all` is declared `Boolean! = false`: async-graphql 7 reads an absent *nullable* variable as
/// `null` rather than falling back to the argument's default, so `$all: Boolean` left out would
/// fail against `allSessions: Boolean! = false`.
pub const LOGOUT: &str = "mutation($token: String, $all: Boolean! = false) {
  logout(refreshToken: $token, allSessions: $all)
}";

pub const ME: &str = "{ me { id email emailVerified role } }";

pub const MY_SESSIONS: &str =
    "{ mySessions { id createdAt lastUsedAt expiresAt userAgent ipAddress current } }";

pub const REVOKE_SESSION: &str = "mutation($id: ID!) { revokeSession(id: $id) }";

pub const UPDATE_PROFILE: &str = "mutation($input: UpdateProfileInput!) {
  updateProfile(input: $input) {
    id email username firstName lastName fullName phoneNumber address company designation
  }
}";

pub const CHANGE_PASSWORD: &str = "mutation($current: String!, $new: String!) {
  changePassword(currentPassword: $current, newPassword: $new) { accessToken refreshToken user { id } }
}";

pub const DELETE_ACCOUNT: &str =
    "mutation($password: String!) { deleteAccount(password: $password) }";

pub const USER: &str = "query($id: ID!) { user(id: $id) { id email } }";

pub const REQUEST_RESET: &str = "mutation($email: String!) { requestPasswordReset(email: $email) }";

pub const RESET: &str = "mutation($token: String!, $password: String!) {
    resetPassword(token: $token, newPassword: $password) {
        accessToken refreshToken user { id email emailVerified }
    }
}";

pub const VERIFY: &str = "mutation($token: String!) { verifyEmail(token: $token) }";

pub const SEND_VERIFICATION: &str = "mutation { sendVerificationEmail }";
