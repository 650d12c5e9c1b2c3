from oauth2_provider.oauth2_validators import OAuth2Validator


class ClaimsValidator(OAuth2Validator):
    """Puts the identity platform's claims in the ID token and the user info: the user's
    first name is its name, last name its organisation code (`org`), e-mail its e-mail."""

    oidc_claim_scope = None  # every claim whatever the scopes: the platform's choice

    def get_additional_claims(self, request):
        user = request.user
        return {"preferred_username": user.username, "name": user.first_name,
                "email": user.email, "org": user.last_name, "groups": ["staff"]}
